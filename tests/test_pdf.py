"""The PDF of the book: ``make pdf`` builds it, and it is as good as the website.

Builds the whole book with LaTeX once (``make pdf``, reusing the execution cache of the website
build) and checks what a reader would: every chapter is there, nothing is left unresolved
(``??``, ``[?]``, undefined references in the log), every figure is embedded, statements are
real theorem environments whose numbers, like the equation numbers, are the website's, and
solutions are gathered at the end of their chapter. A last test makes LaTeX fail on purpose
and checks that the error names the chapter file and line.

Everything is derived from ``_toc.yml`` and the sources, so chapters can be added freely.
Needs TeX Live (xelatex, latexmk) and poppler-utils: skipped locally when absent, a failure
under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, require_program

sys.path.insert(0, str(ROOT / "tools"))
import check_pdf  # noqa: E402

pytestmark = [pytest.mark.system, pytest.mark.book]

LATEX = ROOT / "_build" / "latex"
PAGES_BASE, PAGES_PER_CHAPTER = 10, 5  # floor: front and back matter, then a few pages a chapter


class Pdf:
    def __init__(self, returncode: int, output: str):
        self.returncode, self.output = returncode, output
        self.path, self.tex, self.aux, self.log = (LATEX / f"book.{e}" for e in ("pdf", "tex", "aux", "log"))

    def text(self) -> str:
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(self.path), "-"], capture_output=True,
                              text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf(built_book) -> Pdf:
    """``make pdf`` once (after the website, whose numbers the PDF must match)."""
    for program in ("xelatex", "latexmk", "xindy", "pdftotext", "pdfimages", "pdfinfo", "make"):
        require_program(program)
    proc = subprocess.run(["make", "pdf"], cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    result = Pdf(proc.returncode, proc.stdout + proc.stderr)
    if proc.returncode != 0:
        pytest.fail("make pdf failed:\n" + result.output[-6000:])
    return result


@pytest.fixture(scope="module")
def pages():
    return check_pdf.book_chapters()


@pytest.fixture(scope="module")
def text(pdf) -> str:
    return pdf.text()


def test_make_pdf_writes_the_book(pdf):
    """make pdf exits 0, reports a clean log and leaves the PDF (also published with the site)."""
    assert pdf.path.is_file() and pdf.path.stat().st_size > 10_000
    assert "[pdf] ok" in pdf.output
    if (ROOT / "_build" / "html").is_dir():
        assert (ROOT / "_build" / "html" / "book.pdf").is_file(), "the site's download button links to book.pdf"


def test_page_count_above_floor(pdf, pages):
    info = subprocess.run(["pdfinfo", str(pdf.path)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    chapters = sum(p["numbered"] for p in pages)
    assert count >= PAGES_BASE + PAGES_PER_CHAPTER * chapters, f"{count} pages for {chapters} chapter(s)"


def test_every_chapter_title_is_in_the_pdf(text, pages):
    body = check_pdf.normalise(text)
    missing = [p["title"] for p in pages if check_pdf.normalise(check_pdf.plain_title(p["title"])) not in body]
    assert not missing, f"chapter titles not found in the PDF text: {missing}"


def test_no_unresolved_references_or_citations(text):
    for bad in ("??", "[?]"):
        where = [text[max(0, m.start() - 60):m.end() + 20] for m in re.finditer(re.escape(bad), text)]
        assert not where, f"{bad!r} in the PDF near: {where[:5]}"


def test_log_has_no_errors_or_undefined_references(pdf):
    problems = check_pdf.log_problems(pdf.log.read_text(encoding="utf-8", errors="replace"))
    assert problems == []


def test_every_figure_is_embedded(pdf, pages):
    """At least as many images drawn on the pages (raster or vector) as the book has figures."""
    figures = [f for p in pages for f in check_pdf.figure_labels(p["file"])]
    counts = check_pdf.pdf_figure_count(pdf.path)
    assert counts["raster"] + counts["vector"] >= len(figures), (counts, figures)
    assert len(re.findall(r"includegraphics\{", pdf.tex.read_text(encoding="utf-8"))) >= len(figures)


def test_no_markup_residue(text):
    """No MyST, HTML or raw LaTeX source text reaches the page."""
    residue = [":::", "```", "{prf:", "{eq}", "{numref}", "{glue:", "{cite", "{ref}", ":label:", "<div", "</",
               "$$", "\\begin", "\\end{", "\\ref", "sphinxadmonition"]
    found = {r: text[max(0, text.find(r) - 60):text.find(r) + 40] for r in residue if r in text}
    assert not found, found


def test_statements_are_theorem_environments(pdf, pages):
    """Definitions, theorems, proofs and exercises are amsthm environments, not note boxes."""
    tex = pdf.tex.read_text(encoding="utf-8").split("\\begin{document}", 1)[1]
    sources = "\n".join(p["file"].read_text(encoding="utf-8") for p in pages)
    statements = len(re.findall(r"^\s*(?::{3,}|`{3,})\{prf:(?!proof)\w+\}", sources, re.M))
    proofs = len(re.findall(r"^\s*(?::{3,}|`{3,})\{prf:proof\}", sources, re.M))
    exercises = len(re.findall(r"^\s*(?::{3,}|`{3,})\{exercise(?:-start)?\}", sources, re.M))
    assert len(re.findall(r"\\begin\{prf[a-z]+\}", tex)) == statements
    assert len(re.findall(r"\\begin\{proof\}", tex)) == proofs
    assert len(re.findall(r"\\begin\{nnexercisen?n?\}", tex)) == exercises
    assert not re.search(r"sphinxadmonition\}\{note\}\{(?:Theorem|Definition|Lemma|Proof|Exercise|Solution)", tex)
    assert r"\usepackage{amsthm}" in pdf.tex.read_text(encoding="utf-8").split("\\begin{document}", 1)[0]


def test_numbers_agree_with_the_website(pdf, pages, built_book):
    """Every theorem-like statement, exercise, equation and figure has the same number in both."""
    compared, wrong = 0, []
    for page in pages:
        html_file = built_book.html / f"{page['docname']}.html"
        if not page["numbered"] or not html_file.is_file():
            continue
        html = check_pdf.html_numbers(html_file)
        in_pdf = check_pdf.pdf_numbers(pdf.aux, page["docname"], html)
        for label, shown in html.items():
            compared += 1
            if in_pdf[label] != shown:
                wrong.append(f"{page['docname']}: {label} is {shown!r} on the website, {in_pdf[label]!r} in the PDF")
    assert not wrong, "\n".join(wrong)
    labels = [lab for p in pages if p["numbered"] for lab in _statement_labels(p["file"])]
    assert compared >= len(labels) > 0 or not labels


def test_sample_numbers_are_printed(pdf, text, pages, built_book):
    """The numbers read from the aux file are the ones printed: a sample checked in the PDF text."""
    body = check_pdf.normalise(text)
    for page in [p for p in pages if p["numbered"]][:3]:
        html = check_pdf.html_numbers(built_book.html / f"{page['docname']}.html")
        for label, shown in list(html.items())[:4]:
            assert check_pdf.normalise(shown) in body, f"{label}: {shown!r} not printed in the PDF"


def _statement_labels(md: Path) -> list[str]:
    return re.findall(r"^\s*:label:\s*((?:thm|def|lem|prop|cor|eq|ex)-\S+)", md.read_text(encoding="utf-8"), re.M)


def test_solutions_are_gathered_at_the_end_of_each_chapter(pdf, pages):
    tex = pdf.tex.read_text(encoding="utf-8").split("\\begin{document}", 1)[1]
    sources = "\n".join(p["file"].read_text(encoding="utf-8") for p in pages)
    solutions = len(re.findall(r"^\s*(?::{3,}|`{3,})\{solution(?:-start)?\}", sources, re.M))
    assert tex.count(r"\begin{nnsolution}") == solutions
    for chapter in re.split(r"\\chapter\{", tex)[1:]:
        if r"\begin{nnsolution}" not in chapter:
            continue
        head, _, tail = chapter.partition(r"\section*{Solutions}")
        assert r"\begin{nnsolution}" not in head, "a solution is typeset before its chapter's Solutions section"
        assert not re.search(r"\\begin\{nnexercise", tail), "an exercise after the Solutions section"


def test_latex_error_names_the_chapter_file_and_line(tmp_path):
    """A macro LaTeX does not know fails the PDF build, and the message points at the .md line."""
    require_program("xelatex")
    book = tmp_path / "book"
    book.mkdir()
    for name in ("_config.yml", "macros.yml", "references.bib"):
        shutil.copy(ROOT / name, book / name)
    shutil.copytree(ROOT / "_ext", book / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nparts:\n  - caption: Chapters\n"
                                   "    numbered: true\n    chapters:\n      - file: chapters/bad\n")
    (book / "index.md").write_text("# A tiny book\n\nIt has one chapter.\n")
    (book / "chapters").mkdir()
    (book / "_vendor").mkdir()  # html_extra_path (MathJax) must exist, even for LaTeX
    (book / "chapters" / "bad.md").write_text(textwrap.dedent("""\
        # A bad chapter

        Some text.

        The website renders this, LaTeX does not: $\\nosuchmacro x$.
        """))
    env = {**os.environ, "LATEXOPTS": "-interaction=nonstopmode -halt-on-error -file-line-error"}
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--source", str(book),
                           "--builder", "pdflatex", "--no-pre-execute"], cwd=book, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    assert proc.returncode != 0, "LaTeX accepted an undefined macro"
    explained = subprocess.run([sys.executable, str(ROOT / "tools" / "check_pdf.py"), "--explain",
                                "--latex-dir", str(book / "_build" / "latex"), "--source", str(book)],
                               capture_output=True, text=True)
    assert explained.returncode == 1
    assert "Undefined control sequence" in explained.stderr, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "chapters/bad.md:5" in explained.stderr, explained.stderr


# Subject index
# The index printed at the end of the PDF (xindy sorts it): every definition of the toc's pages is
# in it under its title, with a page number; it comes after the bibliography, as an unnumbered
# chapter listed in the table of contents. The rules for comparing titles (case, hyphenation,
# mathematics left out, titles with commas) are in tools/check_index.py; tests/test_index.py checks
# the website's index and that the checker fails on a title that is not indexed.
import check_index  # noqa: E402


def test_index_is_sorted_by_xindy(pdf, pages):
    ind = LATEX / "book.ind"
    titles = [t for p in pages for t in check_index.definition_titles(p["file"])]
    assert ind.is_file(), "no book.ind: the index was not made (xindy)"
    items = re.findall(r"^\s*\\item ", ind.read_text(encoding="utf-8"), re.M)
    assert len(items) >= len(titles) > 0, f"{len(items)} index entries for {len(titles)} definitions"


def test_index_is_the_last_chapter_unnumbered_after_the_bibliography(pdf, text):
    part = check_index.pdf_index_part(text)
    assert part, "no page headed Index in the second half of the PDF"
    book_pages = text.split("\f")
    start = len(book_pages) - len(part.split("\f"))
    bibliography = [i for i, page in enumerate(book_pages)
                    if any(line.strip().lower() == "bibliography" for line in page.splitlines()[:4])]
    assert bibliography and max(bibliography) < start, "the index must come after the bibliography"
    toc = (LATEX / "book.toc").read_text(encoding="utf-8")
    entry = re.findall(r"^\\contentsline \{chapter\}\{(.*)\}\{\d+\}\{[^{}]*\}%?$", toc, re.M)
    assert entry and entry[-1] == "Index", f"the table of contents does not end with an unnumbered Index: {entry[-3:]}"


def test_every_definition_title_is_in_the_pdf_index_with_a_page(pdf, pages):
    titles = [t for p in pages for t in check_index.definition_titles(p["file"])]
    missing = check_index.missing_in_pdf(titles, check_index.pdf_index_part(check_index.pdf_raw_text(pdf.path)))
    assert not missing, f"{len(missing)} definition(s) not in the PDF's index with a page number: {missing}"
