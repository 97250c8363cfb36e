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
    for program in ("xelatex", "latexmk", "xindy", "pdftotext", "pdfimages", "pdfinfo", "qpdf", "make"):
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


# Chapter handouts
# ``make pdf`` also cuts one PDF per numbered chapter out of book.pdf (tools/handouts.py) into
# _build/latex/handouts/STEM.pdf and the site's handouts/; each chapter page links to its own.
# The book's pages of a chapter are found here independently of the tool: from the printed page
# numbers of book.toc and hyperref's page destinations, not from the chapter anchors it uses.
import json  # noqa: E402

import handouts as handouts_tool  # noqa: E402  (tools/, on sys.path above)

HANDOUTS = LATEX / "handouts"
_PRINTED_NUMBER = re.compile(r"\b(Theorem|Definition|Lemma|Proposition|Corollary|Example|Remark|Assumption|Conjecture|"
                             r"Algorithm|Exercise|Fig\.|Figure|Table)\s+(\d+\.\d+)\b|\((\d+\.\d+)\)")
_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen").split()
_TENS = "- - twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number_word(n: int) -> str:
    """How the chapter opening prints its number: 16 -> 'SIXTEEN', 21 -> 'TWENTY-ONE'."""
    word = _WORDS[n] if n < 20 else _TENS[n // 10] + (f"-{_WORDS[n % 10]}" if n % 10 else "")
    return word.upper()


def printed_numbers(text: str) -> list[str]:
    """The numbered things a text prints, in order: 'Theorem 3.2', 'Exercise 3.1', 'Fig. 3.4', '(3.7)'."""
    return [f"{m.group(1)} {m.group(2)}" if m.group(1) else f"({m.group(3)})" for m in _PRINTED_NUMBER.finditer(text)]


def page_numbers(page: str) -> list[str]:
    """What one page prints: its numbered things, then its page number (the last line, if a number)."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    folio = [f"page {lines[-1]}"] if lines and re.fullmatch(r"\d+", lines[-1]) else []
    return printed_numbers(page) + folio


def number_mismatches(handout: list[str], book: list[str]) -> list[str]:
    """Where the numbers printed on a handout's pages differ from those on the book's pages of the chapter,
    page by page (statements, exercises, equations, figures and the page numbers); [] if none."""
    wrong = [f"page {k + 1}: handout {page_numbers(x)}, book {page_numbers(y)}"
             for k, (x, y) in enumerate(zip(handout, book)) if page_numbers(x) != page_numbers(y)]
    if len(handout) != len(book):
        wrong.append(f"{len(handout)} pages in the handout, {len(book)} in the book")
    return wrong


def _pdf_pages(path: Path, first: int | None = None, last: int | None = None) -> list[str]:
    cmd = ["pdftotext", "-enc", "UTF-8"] + (["-f", str(first), "-l", str(last)] if first else []) + [str(path), "-"]
    texts = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split("\f")
    return texts[:-1] if texts and not texts[-1].strip() else texts


def _openings(text: str) -> list[tuple[str, str]]:
    """(number word, title) of every chapter opening a text shows ('CHAPTER', the number, the title)."""
    return [(m.group(1), " ".join(m.group(2).split())) for m in
            re.finditer(r"^CHAPTER\n\n([A-Z-]+)\n\n((?:.+\n)+)", text, re.M)]


@pytest.fixture(scope="module")
def handouts(pdf, pages) -> list[dict]:
    """Each numbered chapter with its handout's pages and the book's pages of the chapter (as text)."""
    toc = (LATEX / "book.toc").read_text(encoding="utf-8")
    printed = re.findall(r"^\\contentsline \{(?:part|chapter)\}\{.*\}\{([^{}]*)\}\{([^{}]*)\}%?$", toc, re.M)
    dests = handouts_tool.destinations(pdf.path)
    starts = sorted(dests[f"page.{label}"] for label, _ in printed if f"page.{label}" in dests)
    anchors = handouts_tool.doc_anchors((LATEX / "book.aux").read_text(encoding="utf-8"))
    manifest = {h["docname"]: h for h in json.loads((LATEX / "handouts.json").read_text(encoding="utf-8"))}
    out = []
    for page in [p for p in pages if p["numbered"]]:
        number = anchors[page["docname"]][0]
        label = next(lab for lab, anchor in printed if anchor == f"chapter.{number}")
        first = dests[f"page.{label}"]
        last = next(s for s in starts if s > first) - 1
        book = _pdf_pages(pdf.path, first, last)
        while book and handouts_tool.is_blank(book[-1]):  # a blank page before the next opening
            book.pop()
        path = HANDOUTS / f"{page['file'].stem}.pdf"
        texts = _pdf_pages(path) if path.is_file() else []
        k = len(manifest.get(page["docname"], {}).get("chapter_pages", []))
        out.append({**page, "number": int(number), "path": path, "book": book, "chapter_pages": texts[:k],
                    "chapter": "".join(texts[:k]), "references": "".join(texts[k:]),
                    "text": "".join(texts)})
    return out


def test_make_pdf_writes_one_handout_per_numbered_chapter(pdf, pages):
    """make pdf reports the handouts; each numbered chapter of the toc has one (also in the site)."""
    assert "[handouts] ok" in pdf.output, pdf.output[-3000:]
    chapters = [p for p in pages if p["numbered"]]
    assert chapters
    for page in chapters:
        path = HANDOUTS / f"{page['file'].stem}.pdf"
        assert path.is_file() and path.stat().st_size > 10_000, f"no handout for {page['docname']}"
        if (ROOT / "_build" / "html").is_dir():
            assert (ROOT / "_build" / "html" / "handouts" / path.name).is_file(), f"{path.name} not in the site"
    assert len(list(HANDOUTS.glob("*.pdf"))) == len(chapters), "a handout for something that is not a chapter"


def test_handout_numbers_equal_the_books(handouts):
    """A handout holds exactly the book's pages of its chapter: the same numbers, in the same order."""
    wrong = []
    for h in handouts:
        assert printed_numbers("".join(h["book"])), f"{h['docname']}: no numbered statement found in the book's pages"
        wrong += [f"{h['docname']}: {w}" for w in number_mismatches(h["chapter_pages"], h["book"])[:5]]
    assert not wrong, "\n".join(wrong)


def test_handout_numbers_are_the_websites(handouts, built_book):
    """Every number of a chapter's statements, exercises, equations and figures on the website is in its handout."""
    missing = []
    for h in handouts:
        html = built_book.html / f"{h['docname']}.html"
        shown = check_pdf.html_numbers(html) if html.is_file() else {}
        body = check_pdf.normalise(h["chapter"])
        missing += [f"{h['docname']}: {label} {n!r}" for label, n in shown.items() if check_pdf.normalise(n) not in body]
    assert not missing, "\n".join(missing[:20])


def test_handout_opens_with_its_chapter_and_shows_no_other(handouts):
    """The one chapter opening in a handout is its own: its number and title, and no other chapter's."""
    for h in handouts:
        title = check_pdf.normalise(check_pdf.plain_title(h["title"]))
        assert _openings(h["text"]) and len(_openings(h["text"])) == 1, (h["docname"], _openings(h["text"]))
        word, shown = _openings(h["text"])[0]
        assert word == _number_word(h["number"]), (h["docname"], word)
        assert check_pdf.normalise(shown) == title, (h["docname"], shown)
        assert re.search(rf"^{h['number']}\.1 ", h["chapter"], re.M), f"{h['docname']}: no section {h['number']}.1"


def test_handouts_have_no_unresolved_references(handouts):
    for h in handouts:
        for bad in ("??", "[?]"):
            assert bad not in h["text"], f"{h['docname']}: {bad!r} near {h['text'][h['text'].find(bad) - 60:][:100]!r}"


def test_handout_has_its_exercises_and_solutions(handouts):
    """Every exercise of the chapter and the solution of each, and no other chapter's exercise."""
    for h in handouts:
        source = h["file"].read_text(encoding="utf-8")
        exercises = len(re.findall(r"^\s*(?::{3,}|`{3,})\{exercise(?:-start)?\}", source, re.M))
        solutions = len(re.findall(r"^\s*(?::{3,}|`{3,})\{solution(?:-start)?\}", source, re.M))
        n = h["number"]
        for k in range(1, exercises + 1):
            assert f"Exercise {n}.{k}" in h["chapter"], f"{h['docname']}: Exercise {n}.{k} missing"
        assert len(re.findall(r"^Solution\b(?!s)", h["chapter"], re.M)) == solutions, h["docname"]  # "Solution to Exercise n.k"
        assert not re.search(rf"^Exercise (?!{n}\.)\d+\.\d+", h["chapter"], re.M), f"{h['docname']}: another chapter's exercise"


def test_handout_has_its_references(handouts):
    """Each work the chapter cites is in the handout's bibliography pages (found by its title)."""
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    bib = parse_file(str(ROOT / "references.bib")).entries
    for h in handouts:
        keys = {k.strip() for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", h["file"].read_text(encoding="utf-8"))
                for k in group.split(",")}
        letters = lambda text: re.sub(r"[\W_]", "", check_pdf.normalise(text))  # noqa: E731  (hyphens, line breaks)
        refs = letters(h["references"])
        for key in sorted(keys):
            title = Text.from_latex(bib[key].fields.get("title", "")).render_as("text")
            words = max(title.split("$")[::2], key=lambda part: len(part.split())).split()[:4]  # outside math
            assert letters(" ".join(words)) in refs, f"{h['docname']}: reference {key} ({' '.join(words)}) missing"
        if keys:
            assert "bibliography" in refs, f"{h['docname']}: its references are not the bibliography's pages"


def test_every_chapter_page_links_to_its_handout(handouts, built_book):
    html_dir = built_book.html
    for h in handouts:
        page = html_dir / f"{h['docname']}.html"
        links = [u for u in re.findall(r'href="([^"]+\.pdf)"', page.read_text(encoding="utf-8")) if "handouts/" in u]
        assert links, f"{h['docname']}: no link to a handout"
        targets = {(page.parent / u).resolve() for u in links}
        assert targets == {(html_dir / "handouts" / h["path"].name).resolve()}, (h["docname"], links)
        assert all(t.is_file() for t in targets), f"{h['docname']}: the handout link is broken"


def test_number_comparison_rejects_a_shifted_or_short_handout(handouts):
    """Negative control: numbers shifted by one, or a page missing, are reported."""
    h = next(h for h in handouts if len(printed_numbers("".join(h["book"]))) > 3)
    chapter = h["chapter_pages"]
    assert number_mismatches(chapter, h["book"]) == []
    shifted = [re.sub(r"(?<=\b%d\.)(\d+)" % h["number"], lambda m: str(int(m.group(1)) + 1), page) for page in chapter]
    assert number_mismatches(shifted, h["book"])  # a chapter numbered on its own would look like this
    j = max(range(len(chapter)), key=lambda k: len(printed_numbers(chapter[k])))
    assert number_mismatches(chapter[:j] + chapter[j + 1:], h["book"])  # a page missing
    assert number_mismatches(chapter[1:] + [""], h["book"])  # cut one page late


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
