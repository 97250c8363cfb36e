"""The subject index on the website: every definition of the book is in it, and readers find it.

The rule (README, *Adding a chapter*): an ``{index}`` directive whose entry is the definition's
title stands immediately before every ``{prf:definition}`` (and before every named theorem).
Checked here on the sources of every page of ``_toc.yml`` and on the built site's general index
(``genindex.html``), which the back-matter page *Index* (``back/index-of-terms``) links to. The
printed index of the PDF is checked at the end of ``tests/test_pdf.py``. How titles are compared
(case, dashes, hyphenation, mathematics left out, titles with commas) is documented in
``tools/check_index.py``; the last tests show the checker fails on a title that is not indexed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import check_index  # noqa: E402
import check_pdf  # noqa: E402  (book_chapters: the toc's pages)

PAGES = check_pdf.book_chapters()
INDEX_PAGE = "back/index-of-terms"


def _titles() -> list[str]:
    return [t for p in PAGES for t in check_index.definition_titles(p["file"])]


# --------------------------------------------------------------------------- the sources
def test_every_definition_has_a_title_and_an_index_entry_before_it():
    assert _titles(), "no {prf:definition} in the book"
    untitled = [f"{p['docname']}" for p in PAGES for t in check_index.definition_titles(p["file"]) if not t]
    assert not untitled, f"untitled definitions in: {untitled}"
    unmarked = [u for p in PAGES for u in check_index.unindexed_definitions(p["file"])]
    assert not unmarked, "no ```{index} Title``` right before:\n" + "\n".join(unmarked)


# --------------------------------------------------------------------------- the website
@pytest.fixture(scope="module")
def site(built_book) -> Path:
    assert built_book.returncode == 0, "the book build failed:\n" + built_book.output[-4000:]
    return built_book.html


@pytest.mark.book
def test_general_index_is_generated_and_its_links_resolve(site):
    genindex = site / "genindex.html"
    assert genindex.is_file()
    entries, links = check_index.html_index(genindex)
    assert len(entries) >= len(_titles()) and links >= len(_titles()), (len(entries), links)
    broken = []
    for href in re.findall(r'<a href="([^"#]+)#([^"]+)"', genindex.read_text(encoding="utf-8")):
        target = site / href[0]
        if not target.is_file() or f'id="{href[1]}"' not in target.read_text(encoding="utf-8"):
            broken.append("#".join(href))
    assert not broken, f"index entries pointing nowhere: {broken[:10]}"


@pytest.mark.book
def test_every_definition_title_is_in_the_website_index(site):
    entries, _ = check_index.html_index(site / "genindex.html")
    missing = check_index.missing_in_html(_titles(), entries)
    assert not missing, f"{len(missing)} definition(s) not in genindex.html: {missing}"


@pytest.mark.book
def test_back_matter_index_page_links_to_the_general_index(site):
    """The toc's back matter ends with *Index*; every chapter's sidebar links to it; it links to genindex."""
    assert PAGES[-1]["docname"] == INDEX_PAGE, "the Index page is not the last page of the back matter"
    chapter = next(p for p in PAGES if p["numbered"])
    sidebar = (site / f"{chapter['docname']}.html").read_text(encoding="utf-8")
    m = re.search(r'<a class="reference internal" href="([^"]*index-of-terms\.html)">\s*Index\s*</a>', sidebar)
    assert m, f"no link 'Index' to {INDEX_PAGE}.html in the navigation of {chapter['docname']}.html"
    page = (site / chapter["docname"]).parent / m.group(1)
    assert page.resolve() == (site / f"{INDEX_PAGE}.html").resolve() and page.is_file()
    text = page.read_text(encoding="utf-8")
    to_index = re.findall(r'href="([^"#]*genindex\.html)"', text.split('<article', 1)[-1])
    assert to_index, f"{INDEX_PAGE}.html has no link to genindex.html in its text"
    target = (page.parent / to_index[0]).resolve()
    assert target == (site / "genindex.html").resolve() and check_index.html_index(target)[0]


# --------------------------------------------------------------------------- the checker itself
_GENINDEX = """<table class="indextable genindextable"><tr><td><ul>
  <li><a href="a.html#index-0">Rademacher complexity</a>, <a href="b.html#index-3">[1]</a></li>
  <li>network<ul><li><a href="a.html#index-1">feed-forward</a></li></ul></li>
  <li><a href="a.html#index-2">Risk</a></li>
  <li><a href="a.html#index-4">Correlation map</a></li><li><a href="a.html#index-5">depth scale</a></li>
</ul></td></tr></table>"""


def test_checker_finds_entries_and_fails_on_a_title_not_indexed():
    entries, links = check_index.html_index(_GENINDEX)
    assert entries == ["Rademacher complexity", "network", "network; feed-forward", "Risk",
                       "Correlation map", "depth scale"] and links == 6
    ok = ["Rademacher  COMPLEXITY", "Feed-forward", "Correlation map, $\\chi_1$ and depth scale"]
    assert check_index.missing_in_html(ok, entries) == []
    # negative controls: not indexed, and a comma title of which only one part is indexed
    assert check_index.missing_in_html(["VC dimension", "Risk, Bayes risk"], entries) == \
        ["VC dimension", "Risk, Bayes risk"]


def test_pdf_checker_needs_the_entry_with_a_page_number():
    text = ("Contents\n\f1 Learning\n\fBibliography\n\f" +
            "INDEX\nA\nAdam, 120\nR\nRademacher com-\nplexity, 153, 160\nRisk (no page)\n\f"
            "Index\nS\nSauer–Shelah lemma, 170\n")
    part = check_index.pdf_index_part(text)
    assert part.startswith("INDEX\nA") and "Sauer" in part
    assert check_index.missing_in_pdf(["Rademacher complexity", "Sauer-Shelah lemma", "ADAM"], part) == []
    assert check_index.missing_in_pdf(["Risk", "VC dimension"], part) == ["Risk", "VC dimension"]
    assert check_index.pdf_index_part("Contents\n\fIndex of nothing\n\f1 Learning\n") == ""


def test_source_checker_flags_a_definition_without_index(tmp_path):
    md = tmp_path / "ch.md"
    md.write_text("# A chapter\n\n```{index} Rademacher complexity\n```\n:::{prf:definition} Rademacher complexity\n"
                  ":::\n\nText.\n\n:::{prf:definition} VC dimension\n:::\n\n:::{prf:definition}\n:::\n")
    assert check_index.definition_titles(md) == ["Rademacher complexity", "VC dimension", ""]
    assert check_index.unindexed_definitions(md) == ["ch.md:10: VC dimension", "ch.md:13: (untitled)"]
