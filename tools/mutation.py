"""Mutation testing of ``nnmath``: how many small changes of the code do the tests notice?

    python tools/mutation.py                      # every module (make mutation)
    python tools/mutation.py --modules learning optim

mutmut 3.8.1 mutates one small thing at a time (a ``+`` for a ``-``, a constant, a comparison, a
default argument, a string) and runs the tests that cover the mutated function. A mutant that some
test fails on is *killed*; one that every test passes is a *survivor*. The score of a module is
(killed + timeout) / (all mutants that were tested).

mutmut names modules after their path and only drops a leading ``src.``, while the package lives in
``code/nnmath``: the tool therefore keeps a ``src`` layout copy in ``_build/mutation/`` (the sources,
the unit tests, a ``pyproject.toml`` holding the mutmut configuration), and syncs it file by file, so
that mutmut's cache there survives between runs and a rerun retests only the functions that changed.
Only the package's own tests run: not the book, PDF, Binder, browser or claims-page tests.

mutmut and its dependencies are pinned in ``requirements-mutation.txt`` and installed into a
separate venv ``.venv-mutation`` that sees the book's ``.venv`` through a ``.pth`` file, so the book's
environment (and the hash that keys its execution cache) is not changed.

A survivor that is *equivalent* (no input can tell it from the original: a mutant that changes
behaviour, including the text of an error message, never is) is listed in
``bench/mutation-equivalent.txt``, one a line, its name and then the reason::

    nnmath.schedules.x_cosine__mutmut_7    max(k, 0) vs max(k, 1): k = 0 gives the same value

The report ``bench/mutation.md`` gives, per module: mutants, killed, survived, timeouts, the score,
and every survivor with its diff line and either its reason for being equivalent or *unexplained*.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "code" / "nnmath"
WORK = ROOT / "_build" / "mutation"
VENV = ROOT / ".venv-mutation"
EQUIVALENT = ROOT / "bench" / "mutation-equivalent.txt"
REPORT = ROOT / "bench" / "mutation.md"
# Tests of the book rather than of the package: they build the site, the PDF, run Binder or a browser.
NOT_UNIT_TESTS = {"test_book.py", "test_pdf.py", "test_binder.py", "test_browser.py", "test_claims.py", "test_teaching.py"}


def modules() -> list[str]:
    """Every module of the package (``__init__`` holds no code)."""
    return sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def unit_tests() -> list[Path]:
    return sorted(p for p in (ROOT / "tests").glob("test_*.py") if p.name not in NOT_UNIT_TESTS)


def sync(src: Path, dst: Path) -> None:
    """Copy ``src`` over ``dst`` only where contents differ (mutmut's cache keys on the files)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):
        shutil.copy2(src, dst)


def prepare(selected: list[str]) -> None:
    """Lay out ``_build/mutation``: src/nnmath, tests/, pyproject.toml with the mutmut configuration."""
    pkg = WORK / "src" / "nnmath"
    for p in PACKAGE.glob("*.py"):
        sync(p, pkg / p.name)
    for p in pkg.glob("*.py"):  # a module removed from the package
        if not (PACKAGE / p.name).exists():
            p.unlink()
    tests = unit_tests()
    for p in tests + [ROOT / "tests" / "conftest.py"]:
        sync(p, WORK / "tests" / p.name)
    keep = {p.name for p in tests} | {"conftest.py"}
    for p in (WORK / "tests").glob("*.py"):
        if p.name not in keep:
            p.unlink()
    pytest_cfg = ROOT / "pyproject.toml"
    markers = re.search(r"markers = \[(.*?)\]", pytest_cfg.read_text(encoding="utf-8"), re.S).group(1)
    config = (
        "[tool.mutmut]\n"
        'source_paths = ["src/nnmath"]\n'
        f"only_mutate = {json.dumps([f'src/nnmath/{m}.py' for m in selected])}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps([f'tests/{p.name}' for p in tests])}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n\n'
        "[tool.pytest.ini_options]\n"
        'testpaths = ["tests"]\n'
        'addopts = "--strict-markers"\n'
        f"markers = [{markers}]\n"
    )
    (WORK / "pyproject.toml").write_text(config, encoding="utf-8")


def ensure_venv() -> Path:
    """The venv with mutmut; it sees the book's .venv (numpy, torch, pytest, ...) through a .pth file."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    req = ROOT / "requirements-mutation.txt"
    if not stamp.exists() or stamp.read_text() != req.read_text():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        book_site = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip()
        Path(site, "_book_venv.pth").write_text(book_site + "\n")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(req)],
                       check=True)
        stamp.write_text(req.read_text())
    return python


def equivalent_reasons() -> dict[str, str]:
    out = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                out[name] = reason.strip()
    return out


def diff_line(python: Path, name: str) -> str:
    """The changed line of a mutant, from ``mutmut show`` (the first added line of its diff)."""
    out = subprocess.run([str(python), "-m", "mutmut", "show", name], cwd=WORK, capture_output=True,
                         text=True).stdout
    plus = [ln[1:].strip() for ln in out.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return plus[0] if plus else "?"


def collect(python: Path, selected: list[str]) -> dict[str, dict]:
    sys.path.insert(0, subprocess.run([str(python), "-c", "import mutmut, os; print(os.path.dirname(os.path.dirname(mutmut.__file__)))"],
                                      capture_output=True, text=True, check=True).stdout.strip())
    from mutmut.stats import status_by_exit_code  # noqa: E402  (from the mutation venv)

    results = {}
    for m in selected:
        meta = WORK / "mutants" / "src" / "nnmath" / f"{m}.py.meta"
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        status = {k: status_by_exit_code[v] for k, v in codes.items()}
        results[m] = status
    return results


def natural(name: str) -> tuple:
    """Sort key: ``f__mutmut_2`` before ``f__mutmut_10``."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def write_report(python: Path, results: dict[str, dict], seconds: float) -> int:
    reasons = equivalent_reasons()
    lines = [
        "# Mutation testing of `nnmath`",
        "",
        f"Written by `make mutation` (mutmut 3.8.1) on {time.strftime('%Y-%m-%d')}; this run took "
        f"{seconds / 60:.1f} min on this machine. Score = (killed + timeout) / tested. A survivor is either",
        "killed by a new test or listed in `bench/mutation-equivalent.txt` with the reason no input can tell",
        "it from the original; *unexplained* survivors are open work.",
        "",
        "| module | mutants | killed | survived | timeouts | other | score | equivalent | unexplained |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    details = []
    unexplained_total = 0
    for m, status in results.items():
        counts = {s: list(status.values()).count(s) for s in set(status.values())}
        killed, survived, timeout = counts.get("killed", 0), counts.get("survived", 0), counts.get("timeout", 0)
        other = len(status) - killed - survived - timeout
        tested = killed + survived + timeout
        score = 100 * (killed + timeout) / tested if tested else float("nan")
        survivors = sorted((k for k, s in status.items() if s == "survived"), key=natural)
        eq = [k for k in survivors if k in reasons]
        unexplained = [k for k in survivors if k not in reasons]
        unexplained_total += len(unexplained)
        lines.append(f"| `{m}` | {len(status)} | {killed} | {survived} | {timeout} | {other} | "
                     f"{score:.1f} % | {len(eq)} | {len(unexplained)} |")
        if survivors:
            details += ["", f"## `{m}`: survivors", ""]
            for k in survivors:
                why = reasons.get(k, "*unexplained*")
                details.append(f"- `{k}`: `{diff_line(python, k)}` ({why})")
    REPORT.write_text("\n".join(lines + details) + "\n", encoding="utf-8")
    return unexplained_total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", nargs="*", help="modules to mutate (default: all)")
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    selected = args.modules or modules()
    unknown = sorted(set(selected) - set(modules()))
    if unknown:
        print(f"[mutation] unknown modules: {', '.join(unknown)}; known: {', '.join(modules())}", file=sys.stderr)
        return 2
    python = ensure_venv()
    prepare(selected)
    t0 = time.time()
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    log = WORK / "mutmut-run.log"  # mutmut redraws a progress line many times a second
    print(f"[mutation] mutmut run on {', '.join(selected)}; progress in {log.relative_to(ROOT)}", flush=True)
    with log.open("w") as out:
        proc = subprocess.run([str(python), "-m", "mutmut", "run", "--max-children", str(args.max_children)],
                              cwd=WORK, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.time() - t0
    if proc.returncode != 0:
        print(f"[mutation] mutmut run failed (exit {proc.returncode}); the end of {log.name}:", file=sys.stderr)
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
        return proc.returncode
    unexplained = write_report(python, collect(python, selected), seconds)
    print(f"[mutation] report in {REPORT.relative_to(ROOT)} ({unexplained} unexplained survivors; "
          f"{seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
