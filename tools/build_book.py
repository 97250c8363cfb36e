"""Build the book, honestly.

    python tools/build_book.py                 # the website, every chapter executed (make book)
    python tools/build_book.py --builder pdflatex
    python tools/build_book.py --only chapters/01-learning-problems.md   # one chapter, alone

What it adds to ``jupyter-book build``:

1. **Warnings are errors, references are checked**: ``-W -n --keep-going``; the exit code is
   jupyter-book's, and a traceback report of a failing cell fails the build with the chapter named.
2. **The execution cache follows the environment.** jupyter-cache keys a notebook on its code
   cells only. We hash ``requirements.txt``, the Python version, the installed packages and the
   source of ``nnmath``; when the hash changes, the cache and the executed notebooks are wiped
   and every page is rebuilt, so an upgrade cannot hide behind cached outputs.
3. **No false pass.** After a failed build an unchanged rebuild would report nothing to do and
   exit 0. A stamp written only on success makes the next build run with ``--all``.
4. **Both cores.** Chapters are first executed into the cache in parallel (jupyter-cache's
   ``local-parallel`` executor), then the build finds them cached. A chapter that raises is not
   cached, so the build runs it again and fails loudly there.

``--only FILE`` builds the preface, that chapter and the bibliography into ``_build/only/NAME``
with a cache of its own: what a writer runs while working on one chapter (``make chapter``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: requirements, nnmath
TIMEOUT = 120  # seconds per cell, as execute.timeout in _config.yml


def env_hash() -> str:
    """Hash of everything that can change a chapter's output besides its own code."""
    h = hashlib.sha256()
    h.update((ROOT / "requirements.txt").read_bytes())
    h.update(sys.version.encode())
    h.update((KERNEL_CONFIG + KERNEL_STARTUP).encode())  # they change the executed outputs
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    h.update(freeze.encode())
    for p in sorted((ROOT / "code" / "nnmath").rglob("*.py")):
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def toc_files(toc: Path, source: Path = ROOT) -> list[Path]:
    """The MyST files a table of contents names, in order."""
    out = []
    for line in toc.read_text(encoding="utf-8").splitlines():
        m = re.search(r"(?:file|root):\s*([^\s#]+)", line)
        if m:
            out.append(source / (m.group(1) + ".md"))
    return out


def has_code(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return "kernelspec:" in text and "```{code-cell}" in text


# The kernels' IPython configuration: the first line silences ipykernel 7's harmless TCP
# warning; the second keeps every figure as PNG (website) and PDF (the LaTeX build picks the
# vector PDF), so no chapter needs a set_matplotlib_formats cell.
KERNEL_CONFIG = 'c.IPKernelApp.log_level = "ERROR"\nc.InlineBackend.figure_formats = {"png", "pdf"}\n'


# A start-up file of the kernels. NumPy 2 scalars print as np.float64(0.5); glue stores that
# text, and {glue:text} with a format spec cannot parse it. The legacy repr prints 0.5.
KERNEL_STARTUP = 'import numpy\nnumpy.set_printoptions(legacy="1.25")\n'


def quiet_ipython_dir(build: Path) -> str:
    """An IPYTHONDIR whose kernel config is :data:`KERNEL_CONFIG`, with :data:`KERNEL_STARTUP`."""
    d = build / ".ipython" / "profile_default"
    (d / "startup").mkdir(parents=True, exist_ok=True)
    (d / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
    (d / "startup" / "00-nnbook.py").write_text(KERNEL_STARTUP)
    return str(build / ".ipython")


def pre_execute(cache_dir: Path, notebooks: list[Path]) -> None:
    """Execute the chapters into the jupyter cache, two at a time."""
    if not notebooks:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(cache_dir))
    for nb in notebooks:
        cache.add_nb_to_project(str(nb), read_data={"type": "plugin", "name": "myst_nb_md"})
    t0 = time.time()
    result = load_executor("local-parallel", cache).run_and_cache(timeout=TIMEOUT)
    print(f"[build] pre-executed {len(result.succeeded)} chapter(s) in {time.time() - t0:.1f} s; "
          f"failed: {[Path(f).name for f in result.errored] or 'none'}", flush=True)


def write_only_toc(chapter: Path, out: Path, source: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    rel = chapter.resolve().relative_to(source).with_suffix("").as_posix()
    toc = out / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: front/preface\nparts:\n"
        "  - caption: Front matter\n    chapters:\n      - file: front/notation\n"
        f"  - caption: Chapter\n    numbered: true\n    chapters:\n      - file: {rel}\n"
        "  - caption: Back matter\n    chapters:\n      - file: back/bibliography\n"
        "      - file: back/verified-claims\n      - file: back/execution-statistics\n"
    )
    return toc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--builder", default="html", choices=["html", "pdflatex", "latex"])
    ap.add_argument("--all", action="store_true", help="rebuild every page")
    ap.add_argument("--only", type=Path, help="build this chapter alone into _build/only/NAME")
    ap.add_argument("--no-pre-execute", action="store_true", help="let the build execute serially")
    ap.add_argument("--source", type=Path, default=ROOT, help="the book's folder (default: this repository)")
    args = ap.parse_args(argv)
    source = args.source.resolve()
    build_root = source / "_build"

    os.environ.setdefault("IPYTHONDIR", quiet_ipython_dir(build_root))
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # two chapters run at once on two cores
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    if args.only:
        chapter = args.only.resolve()
        if not chapter.is_file():
            print(f"[build] no such chapter: {args.only}", file=sys.stderr)
            return 2
        out = build_root / "only" / chapter.stem
        os.environ["NNBOOK_ONLY"] = str(chapter)  # Verified claims lists this chapter's claims only
        toc = write_only_toc(chapter, out, source)
        build_dir = out / "_build"
        extra = ["--toc", str(toc), "--path-output", str(out)]
    else:
        toc = source / "_toc.yml"
        build_dir = build_root
        extra = []
    missing = [str(p.relative_to(source)) for p in toc_files(toc, source) if not p.is_file()]
    if missing:
        print(f"[build] {toc.name} names missing files: {', '.join(missing)}", file=sys.stderr)
        return 2

    build_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = build_dir / ".jupyter_cache"
    stamp_env, stamp_ok = build_dir / ".env-hash", build_dir / f".{args.builder}-ok"
    force_all = args.all
    current = env_hash()
    if not stamp_env.exists() or stamp_env.read_text() != current:
        print("[build] environment or nnmath changed: clearing the execution cache", flush=True)
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(build_dir / "jupyter_execute", ignore_errors=True)
        force_all = True
    if not stamp_ok.exists():
        force_all = True  # the last build failed or never ran: no false pass
    stamp_ok.unlink(missing_ok=True)
    stamp_env.write_text(current)

    if not args.no_pre_execute:
        pre_execute(cache_dir, [p for p in toc_files(toc, source) if has_code(p)])

    out_dir = build_dir / ("html" if args.builder == "html" else "latex")
    reports = out_dir / "reports"
    shutil.rmtree(reports, ignore_errors=True)
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source), "-W", "-n", "--keep-going",
           "--builder", args.builder, *extra] + (["--all"] if force_all else [])
    print("[build] " + " ".join(cmd), flush=True)
    t0 = time.time()
    rc = subprocess.run(cmd, cwd=source).returncode
    failed = sorted(reports.glob("**/*.err.log")) if reports.exists() else []
    for log in failed:
        print(f"[build] FAILED chapter {log.relative_to(reports).with_suffix('').with_suffix('')}: "
              f"traceback in {log.relative_to(source)}", file=sys.stderr)
    if rc == 0 and failed:
        rc = 1
    if rc == 0:
        stamp_ok.write_text(time.strftime("%Y-%m-%d %H:%M:%S"))
        shutil.rmtree(reports, ignore_errors=True)  # never publish tracebacks with the site
        print(f"[build] {args.builder} ok in {time.time() - t0:.1f} s: {out_dir.relative_to(source)}")
    else:
        print(f"[build] {args.builder} FAILED (exit {rc}); see the messages above", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
