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
Before each run the survivors of the selected modules (and mutants that no test reached) are marked
untested, so that they are retested against the current tests; killed mutants keep their verdict
until their function changes. Adding or removing a test *file* changes mutmut's test selection and
makes it retest everything: add new tests to the module's existing test file.

While writing a test for a survivor, ``--check`` runs one test file against named mutants in the
mutated copy, without touching mutmut's cache::

    python tools/mutation.py --check tests/test_learning.py nnmath.learning.x_risk__mutmut_3 ...

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
import ast
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
NOT_UNIT_TESTS = {"test_book.py", "test_pdf.py", "test_binder.py", "test_browser.py", "test_claims.py", "test_teaching.py",
                  "test_index.py", "test_live_code.py", "test_workflow.py"}


def modules() -> list[str]:
    """Every module of the package (``__init__`` holds no code)."""
    return sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def functions(module: str) -> list[str]:
    """The functions and methods (``Class.method``) defined at the top level of a module of the package."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    defs = (ast.FunctionDef, ast.AsyncFunctionDef)
    names = [node.name for node in tree.body if isinstance(node, defs)]
    names += [f"{node.name}.{item.name}" for node in tree.body if isinstance(node, ast.ClassDef)
              for item in node.body if isinstance(item, defs)]
    return sorted(names)


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
    # mutmut skips a module whose copy in mutants/ is newer than the source, even when that copy is the
    # plain one it made while another selection of modules was mutated: remove such plain copies.
    for m in selected:
        copy = WORK / "mutants" / "src" / "nnmath" / f"{m}.py"
        if copy.exists() and "__mutmut_orig" not in copy.read_text(encoding="utf-8"):
            copy.unlink()
    # mutmut traces which tests reach which function once (mutants/mutmut-stats.json), and only through
    # the functions that exist in the modules mutated at that time (it traces again only for new tests):
    # a module added to the selection later, or a function added to a module, would have no tests and
    # every mutant of it would count as unreached. Trace again when either happens.
    stats, traced = WORK / "mutants" / "mutmut-stats.json", WORK / "traced-functions.json"
    before = json.loads(traced.read_text()) if traced.exists() else {}
    now = {m: functions(m) for m in selected}
    if stats.exists() and any(not set(names) <= set(before.get(m, ())) for m, names in now.items()):
        stats.unlink()
    if not stats.exists():
        traced.parent.mkdir(parents=True, exist_ok=True)
        traced.write_text(json.dumps(now, indent=1))
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


_FUNCTIONS: dict[str, dict[str, list[str]]] = {}


def _functions(module: str) -> dict[str, list[str]]:
    """Name -> source lines of every function and method in mutmut's mutated copy of ``module``."""
    if module not in _FUNCTIONS:
        import ast

        path = WORK / "mutants" / "src" / "nnmath" / f"{module}.py"
        source = path.read_text(encoding="utf-8") if path.exists() else ""
        lines = source.splitlines()
        _FUNCTIONS[module] = {node.name: lines[node.lineno - 1: node.end_lineno]
                              for node in ast.walk(ast.parse(source))
                              if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return _FUNCTIONS[module]


def mutant_diff(name: str) -> list[str]:
    """The unified diff of mutant ``name`` (``nnmath.MOD.x_f__mutmut_N``) against the original function.

    Read from mutmut's mutated copy of the module, in which every mutant is a copy of the function
    (``x_f__mutmut_N`` beside ``x_f__mutmut_orig``); faster than ``mutmut show`` and independent of the
    modules selected by the last run.
    """
    import difflib

    _, module, func = name.split(".", 2)
    functions = _functions(module)
    orig_name = re.sub(r"__mutmut_\d+$", "__mutmut_orig", func)
    orig, mutant = functions.get(orig_name), functions.get(func)
    if orig is None or mutant is None:
        return []
    mutant = [ln.replace(func, orig_name) for ln in mutant]  # the def lines differ in the name only
    return list(difflib.unified_diff(orig, mutant, lineterm="", n=1))


def diff_line(name: str) -> str:
    """The changed line of a mutant (the first added line of its diff)."""
    plus = [ln[1:].strip() for ln in mutant_diff(name) if ln.startswith("+") and not ln.startswith("+++")]
    return plus[0] if plus else "?"


def meta_path(module: str) -> Path:
    """mutmut's record of ``module``'s mutants and their exit codes."""
    return WORK / "mutants" / "src" / "nnmath" / f"{module}.py.meta"


def exit_codes(module: str) -> dict[str, int | None]:
    """Mutant name -> mutmut's exit code (None: not checked yet); empty if the module was never run."""
    meta = meta_path(module)
    return json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}


def collect(python: Path, selected: list[str]) -> dict[str, dict]:
    sys.path.insert(0, subprocess.run([str(python), "-c", "import mutmut, os; print(os.path.dirname(os.path.dirname(mutmut.__file__)))"],
                                      capture_output=True, text=True, check=True).stdout.strip())
    from mutmut.stats import status_by_exit_code  # noqa: E402  (from the mutation venv)

    results = {}
    for m in selected:
        status = {k: status_by_exit_code[v] for k, v in exit_codes(m).items()}
        results[m] = status
    return results


SURVIVED, NO_TESTS = 0, 33  # mutmut's exit codes (mutmut.stats.status_by_exit_code)


def measured_modules() -> list[str]:
    """The modules with results in mutmut's cache."""
    return [m for m in modules() if meta_path(m).exists()]


def retest_survivors(selected: list[str]) -> int:
    """Mark the survivors (and the untested) of ``selected`` as not yet checked; return how many."""
    count = 0
    for m in selected:
        meta = meta_path(m)
        if not meta.exists():
            continue
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        reset = [k for k, v in codes.items() if v in (SURVIVED, NO_TESTS)]
        for k in reset:
            codes[k] = None
        if reset:
            meta.write_text(json.dumps(data, indent=4))
            count += len(reset)
    return count


def check(python: Path, test_file: str, names: list[str]) -> int:
    """Run ``test_file`` against each mutant of ``names`` in the mutated copy; print killed/survived."""
    mutants = WORK / "mutants"
    if not (mutants / "src" / "nnmath").exists():
        print("[mutation] no mutated copy yet: run `make mutation` once first", file=sys.stderr)
        return 2
    path, sep, node = test_file.partition("::")  # a file, or a pytest node id file::test_name
    test = Path(path).resolve()
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(mutants / "src"))
    survivors = 0
    for name in ["" ] + names:  # "" is the unmutated code: the tests must pass on it
        env["MUTANT_UNDER_TEST"] = name
        proc = subprocess.run([str(python), "-m", "pytest", str(test) + sep + node, "-x", "-q", "-p", "no:cacheprovider",
                               "--rootdir", str(mutants), "-c", str(mutants / "pyproject.toml")],
                              cwd=mutants, env=env, capture_output=True, text=True)
        if not name:
            if proc.returncode != 0:
                print(proc.stdout[-3000:] + proc.stderr[-2000:])
                print(f"[mutation] {test.name} fails on the unmutated code: fix it first", file=sys.stderr)
                return 1
            continue
        verdict = "killed" if proc.returncode != 0 else "SURVIVED"
        survivors += proc.returncode == 0
        print(f"{verdict:9s} {name}", flush=True)
    return 1 if survivors else 0


def natural(name: str) -> tuple:
    """Sort key: ``f__mutmut_2`` before ``f__mutmut_10``."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


LAST_RUN = WORK / "last-run.json"


# The modules of Parts I-II, held to the target of issue 13: at least 90 % killed, and every survivor
# either killed or explained as equivalent.
TARGET_MODULES = ["learning", "data", "tropical", "approximation", "autodiff", "initialization", "optim",
                  "schedules", "online", "plotting"]


def write_report(python: Path, results: dict[str, dict]) -> int:
    reasons = equivalent_reasons()
    last = json.loads(LAST_RUN.read_text()) if LAST_RUN.exists() else None
    run = (f"The last complete run ({last['date']}; {', '.join(last['modules'])}) took {last['seconds'] / 60:.1f} min "
           f"on this machine (2 cores) and tested {last['tested']} mutants." if last else
           "No run has completed yet: the table shows the results recorded so far.")
    lines = [
        "# Mutation testing of `nnmath`",
        "",
        f"Written by `make mutation` (mutmut 3.8.1) on {time.strftime('%Y-%m-%d %H:%M')}. {run}",
        "A module keeps the results of its last run. Score = (killed + timeout) / (killed + survived + timeout),",
        "over the mutants checked so far; a mutant that no test reaches counts as a survivor. *Not checked*:",
        "mutants that no run has reached yet. Every survivor is listed below: it is either killed by a new",
        "test or listed in `bench/mutation-equivalent.txt` with the reason no input can tell it from the",
        "original; *unexplained* survivors are open work. *Done* means what issue 13 asks of the modules of",
        "Parts I-II: every mutant checked, at least 90 % killed, and no unexplained survivor.",
        "",
        "| module | mutants | not checked | killed | survived | timeouts | other | score | equivalent | unexplained | done |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    details = []
    unexplained_total = 0
    for m, status in results.items():
        counts = {s: list(status.values()).count(s) for s in set(status.values())}
        # A mutant that no test reaches is a survivor too: nothing would notice it.
        killed, timeout = counts.get("killed", 0), counts.get("timeout", 0)
        survived = counts.get("survived", 0) + counts.get("no tests", 0)
        unchecked = counts.get("not checked", 0)
        other = len(status) - killed - survived - timeout - unchecked
        tested = killed + survived + timeout
        score = 100 * (killed + timeout) / tested if tested else float("nan")
        survivors = sorted((k for k, s in status.items() if s in ("survived", "no tests")), key=natural)
        eq = [k for k in survivors if k in reasons]
        unexplained = [k for k in survivors if k not in reasons]
        unexplained_total += len(unexplained)
        done = ("yes" if not unchecked and score >= 90 and not unexplained else "no") if m in TARGET_MODULES else ""
        lines.append(f"| `{m}` | {len(status)} | {unchecked} | {killed} | {survived} | {timeout} | {other} | "
                     f"{score:.1f} % | {len(eq)} | {len(unexplained)} | {done} |")
        if survivors:
            details += ["", f"## `{m}`: survivors", ""]
            for k in survivors:
                why = reasons.get(k, "*unexplained*") + ("; no test reaches it" if status[k] == "no tests" else "")
                details.append(f"- `{k}`: `{diff_line(k)}` ({why})")
    # An "equivalent" mutant that a test kills (or that no longer exists) is a wrong or stale entry.
    known = {k: s for status in results.values() for k, s in status.items()}
    stale = sorted((k for k in reasons if k.split(".")[1] in results and known.get(k) not in ("survived", "no tests")),
                   key=natural)
    if stale:
        details += ["", "## Stale entries of `bench/mutation-equivalent.txt`", "",
                    "Listed as equivalent, but killed by a test or no longer a mutant: remove them.", ""]
        details += [f"- `{k}`: {known.get(k, 'no such mutant')}" for k in stale]
    REPORT.write_text("\n".join(lines + details) + "\n", encoding="utf-8")
    return unexplained_total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", nargs="*", help="modules to mutate (default: all)")
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--check", nargs="+", metavar=("TESTS", "MUTANT"),
                    help="run TESTS (a test file or a node id file::test) against the named mutants only "
                         "(no cache change)")
    ap.add_argument("--show", nargs="+", metavar="MUTANT", help="print the diff of the named mutants")
    ap.add_argument("--survivors", nargs="+", metavar="MODULE",
                    help="list the survivors so far of MODULE (also while a run is going on), with their diffs")
    ap.add_argument("--report", action="store_true",
                    help="only rewrite bench/mutation.md from the results of the last runs (no mutmut run)")
    args = ap.parse_args(argv)
    if args.report:
        python = ensure_venv()
        unexplained = write_report(python, collect(python, measured_modules()))
        print(f"[mutation] report in {REPORT.relative_to(ROOT)} ({unexplained} unexplained survivors)")
        return 0
    if args.show:
        for name in args.show:
            print(f"# {name}")
            print("\n".join(mutant_diff(name)) or "(no such mutant in the mutated copy)")
        return 0
    if args.survivors:
        reasons = equivalent_reasons()
        for m in args.survivors:
            codes = exit_codes(m)
            pending = sum(v is None for v in codes.values())
            names = sorted((k for k, v in codes.items() if v in (SURVIVED, NO_TESTS)), key=natural)
            print(f"# {m}: {len(codes)} mutants, {pending} not yet checked, {len(names)} survivors so far")
            for k in names:
                tag = " [no test reaches it]" if codes[k] == NO_TESTS else ""
                tag += " [equivalent]" if k in reasons else ""
                print(f"\n## {k}{tag}")
                print("\n".join(ln for ln in mutant_diff(k) if not ln.startswith(("---", "+++"))))
        return 0
    if args.check:
        if len(args.check) < 2:
            ap.error("--check needs a test file and at least one mutant name")
        return check(ensure_venv(), args.check[0], args.check[1:])
    selected = args.modules or modules()
    unknown = sorted(set(selected) - set(modules()))
    if unknown:
        print(f"[mutation] unknown modules: {', '.join(unknown)}; known: {', '.join(modules())}", file=sys.stderr)
        return 2
    python = ensure_venv()
    prepare(selected)
    again = retest_survivors(selected)
    before = {m: exit_codes(m) for m in selected}
    if again:
        print(f"[mutation] {again} earlier survivors will be retested", flush=True)
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
    # The report covers every module measured so far (a run on some modules keeps the others' results).
    results = collect(python, measured_modules())
    tested = sum(1 for m in selected for k in results.get(m, {}) if before[m].get(k) is None)
    LAST_RUN.write_text(json.dumps({"modules": selected, "seconds": seconds, "date": time.strftime("%Y-%m-%d %H:%M"),
                                    "tested": tested}))
    unexplained = write_report(python, results)
    print(f"[mutation] report in {REPORT.relative_to(ROOT)} ({unexplained} unexplained survivors; "
          f"{seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
