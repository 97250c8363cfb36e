"""Shared fixtures of the test suite.

- ``require_program(name)``: skip a test when a system program (xelatex, chromium, ...) is
  missing, except under ``CI=true``, where a missing program is a failure.
- ``built_book``: builds the website once per session with ``tools/build_book.py`` (as
  ``make book`` does) and returns the result; the chapter, browser and claims tests use it.

Mark a test that checks a labelled statement of the book with
``@pytest.mark.claim("thm-label")`` and give it a docstring whose first sentence says what
it asserts: the page *Verified claims* is generated from these marks. That sentence is MyST:
mathematics in ``$...$`` (not ASCII ``||f''||``, ``2^k``, ``<=``), code names in backticks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# One Hypothesis profile for the whole suite: derandomized (the same examples on every run), no
# example database (a failing draw is never replayed from an earlier run) and no deadline (the
# machine is shared), so that `make test` and CI give the same result every time.
settings.register_profile("book", derandomize=True, database=None, deadline=None)
settings.load_profile("book")

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_program(name: str) -> str:
    """Return the path of ``name``; skip the test if absent (fail under CI=true)."""
    path = shutil.which(name)
    if path is None:
        message = f"system program {name!r} is not installed"
        if IN_CI:
            pytest.fail(message + " (CI=true: .ci/run must install it)")
        pytest.skip(message)
    return path


@dataclass
class BuildResult:
    returncode: int
    output: str
    html: Path


@pytest.fixture(scope="session")
def built_book() -> BuildResult:
    """Build the website once (cached chapters are reused) and return the result."""
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py")], cwd=ROOT,
                          capture_output=True, text=True)
    return BuildResult(proc.returncode, proc.stdout + proc.stderr, ROOT / "_build" / "html")
