"""Vendor Thebe (the npm package ``thebe``) into ``_vendor/_static/thebe/``, served by the site itself.

The *Live code* button of a chapter page (sphinx-thebe, ``launch_buttons: thebe: true``) loads
Thebe's JavaScript; ``_ext/publishing.py`` points it at ``_static/thebe/index.js`` of the site
instead of a CDN. This script, run by ``make`` like the MathJax copy, fetches the pinned release
with ``npm pack`` (the npm registry only), checks the tarball against the pinned sha512 integrity
(the value of ``npm view thebe@VERSION dist.integrity``) and copies the browser bundle: the
JavaScript chunks of ``lib/`` (the entry point loads the others from its own folder), the
stylesheet and the licence texts; not the source maps and type declarations. A tarball whose
hash differs is refused; nothing is written then. ``_vendor/`` is git-ignored.

    python tools/vendor_thebe.py            # no-op when the pinned version is already there
    python tools/vendor_thebe.py --force
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THEBE_VERSION = "0.9.3"  # the newest release on npm; 0.8.2, sphinx-thebe 0.3.1's default, is not published there
THEBE_INTEGRITY = "sha512-Rb/7kVhtlffXra3kIe7OuIGE7awsm2/fGWxw21DiNfnWLnUQiDl9AWqYdshPwZPG/5DzLpsJRPix2xtCPtJmQQ=="
DEST = ROOT / "_vendor" / "_static" / "thebe"
STAMP = DEST / "VERSION"


def integrity(path: Path) -> str:
    """The npm ``dist.integrity`` string of a tarball (Subresource Integrity, sha512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def wanted_member(name: str) -> bool:
    if not name.startswith("package/lib/") or name.count("/") != 2:
        return False  # lib/types/... are TypeScript declarations
    return name.endswith((".js", ".css", ".LICENSE.txt"))


def vendor(dest: Path = DEST, version: str = THEBE_VERSION, expected: str = THEBE_INTEGRITY) -> Path:
    with tempfile.TemporaryDirectory(prefix="thebe-") as tmp:
        out = subprocess.run(["npm", "pack", f"thebe@{version}", "--pack-destination", tmp, "--silent"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"npm pack thebe@{version} failed:\n{out.stderr}")
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        got = integrity(tarball)
        if got != expected:
            sys.exit(f"thebe@{version}: integrity mismatch\n  expected {expected}\n  got      {got}")
        staging = Path(tmp) / "thebe"
        staging.mkdir()
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and wanted_member(m.name)]
            for m in members:
                target = staging / Path(m.name).name
                target.write_bytes(tar.extractfile(m).read())
        if not (staging / "index.js").is_file():
            sys.exit(f"thebe@{version}: no lib/index.js in the package")
        (staging / "VERSION").write_text(f"thebe {version}\n{expected}\n", encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, dest)
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="fetch again even if the pinned version is there")
    args = ap.parse_args(argv)
    if not args.force and STAMP.is_file() and STAMP.read_text(encoding="utf-8").split("\n")[:2] == \
            [f"thebe {THEBE_VERSION}", THEBE_INTEGRITY] and (DEST / "index.js").is_file():
        print(f"thebe {THEBE_VERSION} already in {DEST.relative_to(ROOT)}")
        return 0
    dest = vendor()
    n = sum(1 for _ in dest.iterdir())
    print(f"thebe {THEBE_VERSION} (integrity checked) vendored into {dest.relative_to(ROOT)}: {n} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
