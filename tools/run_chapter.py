"""Execute MyST chapters as notebooks, outside the book build.

    python tools/run_chapter.py chapters/01-learning-problems.md [more.md ...]

Each chapter is converted with jupytext and executed with nbclient in its own folder
(as the build does), with the per-cell timeout of ``_config.yml``. Prints each chapter's
run time; on an error prints the chapter, the failing cell and the traceback, and exits 1.
Needs only jupytext, nbclient and a Python kernel, so it also runs in the Binder
environment (``tests/test_binder.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

TIMEOUT = 120


def run(path: Path, timeout: int = TIMEOUT, kernel: str = "python3") -> float:
    """Execute one chapter; return its wall time in seconds. Raises on a failing cell."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.time()
    client.execute()
    return time.time() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("chapters", nargs="+", type=Path)
    ap.add_argument("--timeout", type=int, default=TIMEOUT)
    ap.add_argument("--kernel", default="python3")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # as the build: many-threaded BLAS crawls on a loaded machine
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    failed = []
    for path in args.chapters:
        try:
            seconds = run(path, args.timeout, args.kernel)
            print(f"ok      {path}  {seconds:6.1f} s", flush=True)
        except (CellExecutionError, CellTimeoutError) as exc:
            failed.append(path)
            print(f"FAILED  {path}\n{exc}", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
