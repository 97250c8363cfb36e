"""The book as a whole: it builds, every chapter executes, and a broken chapter breaks the build.

The session fixture ``built_book`` (conftest.py) builds the website once with
``tools/build_book.py``, exactly as ``make book`` does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_book import has_code, toc_files  # noqa: E402

CHAPTERS = [p for p in toc_files(ROOT / "_toc.yml") if has_code(p)]
PAGES = toc_files(ROOT / "_toc.yml")

pytestmark = pytest.mark.book


def test_book_builds(built_book):
    """``make book``'s build exits 0 with warnings as errors and references checked."""
    assert built_book.returncode == 0, "the book build failed:\n" + built_book.output[-6000:]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_executes(built_book, chapter):
    """Each chapter ran without an error cell and its page was written."""
    name = chapter.relative_to(ROOT).with_suffix("")
    report = built_book.html / "reports" / f"{name}.err.log"
    assert not report.exists(), f"chapter {name} raised:\n{report.read_text()[-4000:]}"
    failed = re.findall(rf"FAILED chapter ({re.escape(str(name))})", built_book.output)
    assert not failed, f"chapter {name} failed to execute:\n{built_book.output[-4000:]}"
    page = built_book.html / f"{name}.html"
    assert page.exists(), f"chapter {name} has no page: {page}"
    html = page.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" not in html, f"chapter {name} shows a traceback"
    # A figure that failed to render (e.g. a mathtext error in a label) is glued as its text repr
    # and silently vanishes while the build passes.
    assert "&lt;Figure size" not in html and "<Figure size" not in html, f"chapter {name} lost a figure"


def test_every_page_is_written(built_book):
    """The preface, notation, chapters and back matter (bibliography, claims, statistics) are pages."""
    for page in PAGES:
        out = built_book.html / page.relative_to(ROOT).with_suffix(".html")
        assert out.exists(), f"missing page {out}"
    for name in ("front/preface", "front/notation", "back/bibliography", "back/verified-claims",
                 "back/execution-statistics"):
        assert (built_book.html / f"{name}.html").exists(), name


def test_execution_statistics_lists_each_chapter(built_book):
    """The execution-statistics page has a row with a run time for every chapter."""
    html = (built_book.html / "back/execution-statistics.html").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        assert chapter.stem in html, f"{chapter.stem} missing from the execution table"


def test_mathjax_is_served_locally(built_book):
    """Pages load MathJax 3 from the site itself, with the book's macros, and never from a CDN."""
    mathjax = built_book.html / "_static" / "mathjax" / "tex-mml-chtml.js"
    assert mathjax.exists() and mathjax.stat().st_size > 100_000
    with_math = 0
    for page in PAGES:
        html = (built_book.html / page.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in html and "mathjax@3" not in html.lower(), page
        if 'class="math' in html:  # Sphinx loads MathJax only on pages with mathematics
            with_math += 1
            assert "_static/mathjax/tex-mml-chtml.js" in html, page
            assert '"macros"' in html, page
    assert with_math >= len(CHAPTERS) + 1  # every chapter and the notation page


def test_numbered_statements_and_figures(built_book):
    """Theorems, equations and figures of chapter 1 carry chapter-based numbers (1.1, (1.1), Fig. 1.1)."""
    html = (built_book.html / "chapters/01-learning-problems.html").read_text(encoding="utf-8")
    assert re.search(r"Theorem 1\.\d", html)
    assert re.search(r"\(1\.\d+\)", html)
    assert re.search(r"Fig\. 1\.\d", html)


# --------------------------------------------------------------------------- broken books fail
def _mini_book(tmp_path: Path, chapter_body: str) -> Path:
    """A one-chapter book using the real configuration, extension, macros and bibliography."""
    book = tmp_path / "book"
    book.mkdir()
    for name in ("_config.yml", "macros.yml", "references.bib"):
        shutil.copy(ROOT / name, book / name)
    shutil.copytree(ROOT / "_ext", book / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (book / "_vendor").symlink_to(ROOT / "_vendor")
    (book / "intro.md").write_text("# A test book\n\nIntroduction.\n")
    (book / "bad.md").write_text(
        "---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
        + chapter_body)
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: bad\n")
    return book


def _build(book: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--source", str(book), *extra],
                          capture_output=True, text=True, cwd=ROOT)


def test_failing_cell_fails_the_build(tmp_path):
    """A chapter with a raising cell makes the build exit non-zero, naming the chapter, also on a rebuild."""
    book = _mini_book(tmp_path, "# Bad\n\n```{code-cell} ipython3\nraise RuntimeError('boom-from-a-cell')\n```\n")
    first = _build(book)
    out = first.stdout + first.stderr
    assert first.returncode != 0
    assert "bad" in out and "boom-from-a-cell" in out
    second = _build(book)  # unchanged rebuild: must not report a false success
    assert second.returncode != 0, "an unchanged rebuild after a failure passed"


def test_missing_label_fails_the_build(tmp_path):
    """A reference to a label that does not exist makes the build exit non-zero with file and line."""
    book = _mini_book(tmp_path, "# Bad\n\nSee {prf:ref}`thm-does-not-exist` and {eq}`eq-nowhere`.\n")
    proc = _build(book)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert re.search(r"bad\.md:\d+: WARNING", out), out[-3000:]
    assert "thm-does-not-exist" in out


def test_missing_citation_fails_the_build(tmp_path):
    """A citation key missing from references.bib makes the build exit non-zero."""
    book = _mini_book(tmp_path, "# Bad\n\nAs shown in {cite}`nobody2099nothing`.\n\n```{bibliography}\n```\n")
    proc = _build(book)
    assert proc.returncode != 0
    assert "nobody2099nothing" in proc.stdout + proc.stderr


def test_environment_hash_follows_requirements_and_package(tmp_path, monkeypatch):
    """The execution-cache key changes when requirements.txt or the source of nnmath changes."""
    import build_book

    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    shutil.copytree(ROOT / "code" / "nnmath", tmp_path / "code" / "nnmath",
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build_book, "ROOT", tmp_path)
    base = build_book.env_hash()
    assert build_book.env_hash() == base  # deterministic
    (tmp_path / "requirements.txt").write_text((ROOT / "requirements.txt").read_text().replace(
        "numpy==", "numpy==0+"))
    changed_req = build_book.env_hash()
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    assert build_book.env_hash() == base
    with open(tmp_path / "code" / "nnmath" / "learning.py", "a") as f:
        f.write("\n# a change\n")
    assert len({base, changed_req, build_book.env_hash()}) == 3


def test_math_in_a_reference_title_is_typeset(tmp_path):
    """A ``$...$`` in a bibliography title becomes MathJax math on the page, never raw TeX."""
    book = _mini_book(tmp_path, "")
    (book / "bad.md").write_text("# Refs\n\nSee {cite}`klusowski2018approximation`.\n\n```{bibliography}\n```\n")
    proc = _build(book)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    html = (book / "_build" / "html" / "bad.html").read_text(encoding="utf-8")
    assert "$" not in html.split('<div class="footer', 1)[0].split("</header>")[-1], "raw TeX on the page"
    assert "with ℓ¹ and ℓ⁰ controls" in html, "the citation's tooltip does not read as plain text"
    assert 'role="doc-biblioentry"' not in html, "a deprecated ARIA role (axe: aria-required-children)"
    entry = html[html.index('role="listitem"'):]  # a bibliography entry (see _ext/nnbook.py)
    assert re.search(r'<span class="math[^"]*">\\\(\\ell\s*\^1\\\)</span>', entry), entry[:600]
    assert "mathjax" in html.lower(), "the page with math in a reference does not load MathJax"


def test_split_math_pieces():
    """split_math separates text and $...$ math, and leaves text without dollars whole."""
    sys.path.insert(0, str(ROOT / "_ext"))
    import nnbook
    assert nnbook.split_math(r"with $\ell ^1$ and $\ell^0$ controls") == [
        ("text", "with "), ("math", r"\ell ^1"), ("text", " and "), ("math", r"\ell^0"), ("text", " controls")]
    assert nnbook.split_math("no math") == [("text", "no math")]
    assert nnbook.plain_math(r"with $\ell ^1$ and $O(1/k^2)$") == "with ℓ¹ and O(1/k²)"
