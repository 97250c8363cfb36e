"""The subject index of the book: which titles must be in it, and are they (website and PDF).

The book's rule (README, *Adding a chapter*): immediately before every ``{prf:definition}``
there is an index directive whose entry is the definition's title, and the same before every
named theorem or lemma::

    ```{index} Rademacher complexity
    ```
    :::{prf:definition} Rademacher complexity

``tests/test_index.py`` (the website's ``genindex.html``) and ``tests/test_pdf.py`` (the index
printed at the end of ``book.pdf``) check it with these functions.

How a title is compared with the index:

- Case, whitespace, Unicode compatibility forms (ligatures), dash variants and hyphenation are
  normalised away (:func:`key`).
- **Mathematics is left out.** An index entry is plain text (the website's index does not run
  MathJax and LaTeX would print the TeX source), so a title's ``$...$`` is dropped before the
  comparison and the entry is written without it: the definition *Correlation map,
  $\\chi_1$ and depth scale* is indexed as ``Correlation map, depth scale``.
- **Commas.** A plain ``{index} Risk, Bayes risk`` makes two entries, *Risk* and *Bayes risk*
  (Sphinx splits a plain entry at commas). So a title counts as indexed when the whole title
  is an entry, or when each of its parts (split at commas and at the word "and", empty parts
  dropped) is an entry. ``{index} single: A, B`` keeps the comma and is the whole title.
- In the PDF an entry must be followed by a page number (``Rademacher complexity, 153``). The
  text is extracted with ``pdftotext -raw`` (the order LaTeX wrote it, column after column): the
  default mode reorders the words of an entry that wraps inside a column of the two-column index.
"""

from __future__ import annotations

import html as htmllib
import re
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

_DEFINITION = re.compile(r"^[ \t]*(?::{3,}|`{3,})\{prf:definition\}[ \t]*(.*?)[ \t]*$", re.M)
_STATEMENT = re.compile(r"^[ \t]*(?::{3,}|`{3,})\{prf:(?!proof\})(\w+)\}[ \t]*(.*?)[ \t]*$", re.M)
_INDEX_DIRECTIVE = re.compile(r"^[ \t]*`{3,}\{index\}[ \t]*(.*?)[ \t]*$", re.M)


# --------------------------------------------------------------------------- the sources
def definition_titles(md: Path) -> list[str]:
    """Titles of the ``{prf:definition}`` directives of a MyST page ('' for an untitled one)."""
    return _DEFINITION.findall(md.read_text(encoding="utf-8"))


def unindexed_definitions(md: Path) -> list[str]:
    """Definitions of a page not immediately preceded by an ``{index}`` directive (the book's rule)."""
    lines = md.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _DEFINITION.match(line)
        if not m:
            continue
        # the index directive and its closing fence are the two non-blank lines right before
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        ok = j >= 1 and lines[j].strip().startswith("```") and _INDEX_DIRECTIVE.match(lines[j - 1])
        if not ok:
            out.append(f"{md.name}:{i + 1}: {m.group(1) or '(untitled)'}")
    return out


# --------------------------------------------------------------------------- comparison
def key(text: str) -> str:
    """Normalised text of a title or an index entry (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", htmllib.unescape(text)).replace("\u00ad", "")
    text = re.sub(r"\$[^$]*\$", " ", text)               # mathematics is not indexed
    text = re.sub(r"[*_`]", "", text)                    # MyST emphasis and literals
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)   # dashes
    text = re.sub(r"[\u2018\u2019]", "'", text)          # typographic apostrophes
    text = re.sub(r"\s*-\s*", "-", text)                 # "feed- forward" (a line break)
    return " ".join(text.split()).lower().strip(" ,;")


def title_keys(title: str) -> tuple[str, list[str]]:
    """(the whole title, its parts) as keys: the title is indexed if the whole or all parts are."""
    whole = key(title)
    parts = [p.strip(" ,;") for p in re.split(r",|\band\b", whole)]
    return whole, [p for p in parts if p]


def missing_titles(titles: list[str], has_entry) -> list[str]:
    """Titles that are not indexed; ``has_entry(key)`` says whether the index has that entry."""
    out = []
    for title in titles:
        whole, parts = title_keys(title)
        if not whole or not (has_entry(whole) or all(has_entry(p) for p in parts)):
            out.append(title)
    return out


# --------------------------------------------------------------------------- the website
class _IndexParser(HTMLParser):
    """Entries of Sphinx's ``genindex.html``: top-level entries and ``main; sub`` subentries."""

    def __init__(self):
        super().__init__()
        self.in_table = 0
        self.stack: list[list[str]] = []  # text of each open <li>
        self.entries: list[str] = []
        self.links = 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "table" and "genindextable" in cls:
            self.in_table += 1
        elif self.in_table and tag == "li":
            self.stack.append([])
        elif self.in_table and tag == "ul" and self.stack:
            self._close_text()
        elif self.in_table and tag == "a" and dict(attrs).get("href"):
            self.links += 1

    def _close_text(self):
        top = self.stack[-1]
        if top and not isinstance(top[-1], tuple):
            name = "".join(t for t in top if isinstance(t, str))
            name = re.sub(r"(,\s*\[\d+\])+\s*$", "", " ".join(name.split())).strip(" ,")
            parents = [p[-1][1] for p in self.stack[:-1] if p and isinstance(p[-1], tuple)]
            full = "; ".join(parents + [name])
            self.entries.append(full)
            top.append(("name", name))

    def handle_endtag(self, tag):
        if tag == "table" and self.in_table:
            self.in_table -= 1
        elif self.in_table and tag == "li" and self.stack:
            self._close_text()
            self.stack.pop()

    def handle_data(self, data):
        if self.in_table and self.stack and not (self.stack[-1] and isinstance(self.stack[-1][-1], tuple)):
            self.stack[-1].append(data)


def html_index(genindex: Path | str) -> tuple[list[str], int]:
    """(entries, number of links) of the website's general index (a path or its HTML text)."""
    text = genindex.read_text(encoding="utf-8") if isinstance(genindex, Path) else genindex
    parser = _IndexParser()
    parser.feed(text)
    return parser.entries, parser.links


def missing_in_html(titles: list[str], entries: list[str]) -> list[str]:
    """Titles with no entry of their own in the website's index (top-level or ``main; sub``)."""
    keys = set()
    for entry in entries:
        keys.add(key(entry))
        keys.update(key(part) for part in entry.split("; "))
    return missing_titles(titles, lambda k: k in keys)


# --------------------------------------------------------------------------- the PDF
def pdf_index_part(text: str) -> str:
    """The PDF's index in pdftotext output: from the first page of the second half of the book
    whose heading (first lines) is "Index" (the class sets it "INDEX") to the end; '' if the book has no index."""
    pages = text.split("\f")
    for i, page in enumerate(pages):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if i >= len(pages) // 2 and "index" in [line.lower() for line in lines[:3]]:
            return "\f".join(pages[i:])
    return ""


def pdf_raw_text(pdf: Path) -> str:
    """The PDF's text in content-stream order (``pdftotext -raw``; pages separated by form feeds)."""
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _squash(text: str) -> str:
    """Index text for matching: keys joined with no spaces or hyphens (line breaks, hyphenation)."""
    return re.sub(r"[\s\-]+", "", key(text))


def missing_in_pdf(titles: list[str], index_text: str) -> list[str]:
    """Titles not printed in the PDF's index followed by a page number (``Title, 12``)."""
    body = _squash(index_text)

    def has_entry(k: str) -> bool:
        return re.search(re.escape(_squash(k)) + r",?\d+", body) is not None

    return missing_titles(titles, has_entry)
