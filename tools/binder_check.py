"""Binder without Binder: build the environment from ``binder/`` alone and run every chapter in it.

    python tools/binder_check.py                  # every chapter of _toc.yml that has code
    python tools/binder_check.py --keep           # keep the scratch folder (_build/binder-check)
    python tools/binder_check.py --keep --reuse   # again, in the environment kept last time

What repo2docker would do, on this machine and offline:

1. a fresh virtual environment with the Python of ``binder/runtime.txt``;
2. ``pip install -r binder/requirements.txt`` from the repository's root, except that the line
   naming PyTorch's CPU index is dropped (that index is not reachable here): the pin
   ``torch==2.13.0+cpu`` is kept as it is and pip finds the CPU wheel through ``PIP_FIND_LINKS``
   (set it to a folder holding that wheel when pip's own configuration does not);
3. ``pip check``; torch must be the ``+cpu`` build, with no ``nvidia-*`` package;
4. ``binder/postBuild`` with the new environment first on ``PATH`` and ``HOME`` in the scratch
   folder (as on Binder: it installs nnmath and sets jupytext as the viewer of ``.md`` files);
5. every chapter converted to a notebook with jupytext and executed with nbclient by that
   environment's Python and kernel (``tools/run_chapter.py``), two at a time, in the
   chapter's folder. Exit 1, naming each chapter that fails.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
SCRATCH = ROOT / "_build" / "binder-check"
PYTORCH_INDEX = re.compile(r"^\s*--(?:extra-)?index-url\s+\S*download\.pytorch\.org\S*\s*$")


def offline_requirements(text: str) -> str:
    """binder/requirements.txt without the PyTorch index line (the pins untouched)."""
    return "".join(line for line in text.splitlines(keepends=True) if not PYTORCH_INDEX.match(line))


def runtime_python(runtime: Path = BINDER / "runtime.txt") -> tuple[int, int]:
    m = re.fullmatch(r"python-(\d+)\.(\d+)", runtime.read_text().strip())
    if not m:
        raise ValueError(f"{runtime}: expected 'python-X.Y', got {runtime.read_text()!r}")
    return int(m.group(1)), int(m.group(2))


def find_python(version: tuple[int, int]) -> str:
    """An interpreter of the given version (this one, or pythonX.Y on PATH)."""
    if sys.version_info[:2] == version:
        base = getattr(sys, "_base_executable", None) or sys.executable
        return base
    name = shutil.which(f"python{version[0]}.{version[1]}")
    if name is None:
        raise SystemExit(f"[binder] binder/runtime.txt asks for Python {version[0]}.{version[1]}, not found here")
    return name


def chapters_with_code(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    sys.path.insert(0, str(ROOT / "tools"))
    from check_pdf import book_chapters

    out = []
    for page in book_chapters(toc):
        text = page["file"].read_text(encoding="utf-8")
        if "kernelspec:" in text and "```{code-cell}" in text:
            out.append(page["file"])
    return out


def run(cmd, **kw) -> subprocess.CompletedProcess:
    print("[binder] $ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, **kw)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("chapters", nargs="*", type=Path, help="default: every chapter of _toc.yml with code")
    ap.add_argument("--scratch", type=Path, default=SCRATCH)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="reuse the environment of a kept run (while debugging)")
    args = ap.parse_args(argv)
    t0 = time.time()
    scratch = args.scratch.resolve()
    venv = scratch / "venv"
    bin_ = venv / "bin"
    if not (args.reuse and (bin_ / "python").is_file()):
        shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "home").mkdir(parents=True, exist_ok=True)

    # 1. the environment, from binder/ alone
    python = find_python(runtime_python())
    if not (bin_ / "python").is_file() and run([python, "-m", "venv", str(venv)]).returncode:
        return 1
    req = scratch / "requirements.txt"
    req.write_text(offline_requirements((BINDER / "requirements.txt").read_text()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON", "CONDA"))}
    env.update(PATH=f"{bin_}{os.pathsep}{env.get('PATH', '')}", HOME=str(scratch / "home"),
               IPYTHONDIR=str(scratch / "ipython"), JUPYTER_CONFIG_DIR=str(scratch / "home" / ".jupyter"),
               OMP_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_DATA_DIR", None)
    pip = [str(bin_ / "python"), "-m", "pip"]
    if run(pip + ["install", "--quiet", "-r", str(req)], cwd=ROOT, env=env).returncode:
        print("[binder] FAILED: pip could not install binder/requirements.txt", file=sys.stderr)
        return 1
    # 2. postBuild, as repo2docker runs it
    if run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env).returncode:
        print("[binder] FAILED: binder/postBuild", file=sys.stderr)
        return 1
    if run(pip + ["check"], cwd=ROOT, env=env).returncode:
        print("[binder] FAILED: pip check", file=sys.stderr)
        return 1
    listing = json.loads(subprocess.run(pip + ["list", "--format", "json"], env=env, capture_output=True,
                                        text=True, check=True).stdout)
    versions = {p["name"].lower(): p["version"] for p in listing}
    problems = []
    if not versions.get("torch", "").endswith("+cpu"):
        problems.append(f"torch is {versions.get('torch')!r}, not the +cpu build")
    nvidia = sorted(n for n in versions if n.startswith("nvidia"))
    if nvidia:
        problems.append(f"CUDA packages installed: {', '.join(nvidia)}")
    if "nnmath" not in versions:
        problems.append("nnmath is not installed (postBuild)")
    settings = scratch / "home" / ".jupyter" / "labconfig" / "default_setting_overrides.json"
    viewers = (json.loads(settings.read_text()) if settings.is_file() else {}).get(
        "@jupyterlab/docmanager-extension:plugin", {}).get("defaultViewers", {})
    if "jupytext" not in viewers.get("markdown", "").lower():
        problems.append(f"postBuild did not make jupytext the viewer of .md files ({settings}: {viewers})")
    for p in problems:
        print(f"[binder] FAILED: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"[binder] environment ready in {time.time() - t0:.0f} s: torch {versions['torch']}, "
          f"{len(versions)} packages", flush=True)

    # 3. every chapter, executed in that environment
    chapters = [c.resolve() for c in args.chapters] or chapters_with_code()

    def execute(chapter: Path):
        proc = subprocess.run([str(bin_ / "python"), str(ROOT / "tools" / "run_chapter.py"), str(chapter)],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        return chapter, proc

    failed = []
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for chapter, proc in pool.map(execute, chapters):
            rel = chapter.relative_to(ROOT) if chapter.is_relative_to(ROOT) else chapter
            if proc.returncode:
                failed.append(rel)
                print(f"[binder] FAILED {rel}\n{proc.stdout}{proc.stderr}", file=sys.stderr, flush=True)
            else:
                print(f"[binder] {proc.stdout.strip()}", flush=True)
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    if failed:
        print(f"[binder] FAILED: {len(failed)} of {len(chapters)} chapter(s): {', '.join(map(str, failed))}",
              file=sys.stderr)
        return 1
    print(f"[binder] ok: {len(chapters)} chapter(s) run in the Binder environment "
          f"({time.time() - t0:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
