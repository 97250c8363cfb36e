"""Speed report of the book: writes bench/report.md (and bench/report.json).

    python tools/bench.py            # make bench

Measures, on this machine:
1. the cold build: the execution cache and the site removed, `tools/build_book.py` (as `make book`);
2. the cached rebuild with nothing changed;
3. each chapter's execution time alone (`tools/run_chapter.py`, one kernel, nothing cached);
4. the test suite's time (`pytest -m "not book and not system"`: the fast unit tests; the book
   tests are what 1 measures).
Targets on a 2-core CPU: each chapter <= 60 s (aim 20 s); a cached rebuild <= 60 s. The report
marks each measurement against its target. It measures, it does not assert: no test depends on it.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_book import has_code, toc_files  # noqa: E402

CHAPTER_TARGET, CHAPTER_AIM, REBUILD_TARGET = 60.0, 20.0, 60.0


def timed(cmd: list[str]) -> tuple[float, int, str]:
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return time.time() - t0, proc.returncode, proc.stdout + proc.stderr


def main() -> int:
    py = sys.executable
    results: dict = {"machine": f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores",
                     "python": sys.version.split()[0], "date": time.strftime("%Y-%m-%d %H:%M")}
    shutil.rmtree(ROOT / "_build" / ".jupyter_cache", ignore_errors=True)
    shutil.rmtree(ROOT / "_build" / "jupyter_execute", ignore_errors=True)
    shutil.rmtree(ROOT / "_build" / "html", ignore_errors=True)
    (ROOT / "_build" / ".html-ok").unlink(missing_ok=True)
    results["cold_build_s"], rc1, out1 = timed([py, "tools/build_book.py"])
    results["cached_rebuild_s"], rc2, out2 = timed([py, "tools/build_book.py"])
    results["build_ok"] = rc1 == 0 and rc2 == 0
    chapters = {}
    for ch in [p for p in toc_files(ROOT / "_toc.yml") if has_code(p)]:
        seconds, rc, out = timed([py, "tools/run_chapter.py", str(ch.relative_to(ROOT))])
        chapters[ch.stem] = {"seconds": round(seconds, 1), "ok": rc == 0}
    results["chapters"] = chapters
    results["unit_tests_s"], rc3, _ = timed([py, "-m", "pytest", "-q", "-m", "not book and not system"])
    results["unit_tests_ok"] = rc3 == 0

    out = ROOT / "bench"
    out.mkdir(exist_ok=True)
    (out / "report.json").write_text(json.dumps(results, indent=2))

    def mark(value, target):
        return "ok" if value <= target else "OVER"

    lines = [
        "# Speed report", "",
        f"Machine: {results['machine']}; Python {results['python']}; {results['date']}.", "",
        "| measurement | seconds | target | |", "| --- | ---: | ---: | --- |",
        f"| cold build (`make book`, empty cache) | {results['cold_build_s']:.1f} | | {'ok' if results['build_ok'] else 'FAILED'} |",
        f"| cached rebuild, nothing changed | {results['cached_rebuild_s']:.1f} | {REBUILD_TARGET:.0f} | "
        f"{mark(results['cached_rebuild_s'], REBUILD_TARGET)} |",
        f"| unit tests (`pytest -m 'not book and not system'`) | {results['unit_tests_s']:.1f} | | "
        f"{'ok' if results['unit_tests_ok'] else 'FAILED'} |",
    ]
    for name, c in chapters.items():
        status = "FAILED" if not c["ok"] else mark(c["seconds"], CHAPTER_TARGET)
        aim = "" if c["seconds"] <= CHAPTER_AIM else f" (above the {CHAPTER_AIM:.0f} s aim)"
        lines.append(f"| chapter `{name}` alone (kernel start included) | {c['seconds']:.1f} | "
                     f"{CHAPTER_TARGET:.0f} | {status}{aim} |")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if results["build_ok"] and results["unit_tests_ok"] and all(c["ok"] for c in chapters.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
