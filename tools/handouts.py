"""Chapter handouts: one PDF per numbered chapter, cut out of the book's PDF (``make pdf`` runs it).

    python tools/handouts.py        # _build/latex/book.pdf -> _build/latex/handouts/STEM.pdf
                                    # (and a copy in _build/html/handouts/ when the site is built)

Instructors hand out one lecture at a time. A chapter compiled alone would number its theorems,
equations and figures from 1 and leave its references to other chapters as ``??``; a handout
therefore is not compiled: it is made of **pages of book.pdf**, so every number in it is the
book's (and the website's: ``tests/test_pdf.py`` checks those agree). A handout is

1. **the chapter's pages**: from the page of the hyperref destination of the chapter (the anchor
   of ``\\newlabel{DOCNAME::doc}`` in ``book.aux``, located by ``pdfinfo -dests``) to the page
   before the next chapter or part of ``book.toc`` begins, without the blank pages LaTeX leaves
   before a chapter that opens on a right-hand page (they show only the running header). The
   chapter's exercises, the Solutions gathered at its end and its Notes and references are in
   that range;
2. **its references**: the pages of the book's bibliography that hold the entries the chapter
   cites (the chapter's ``\\hyperlink{cite....}`` in ``book.tex``, numbered by ``\\bibcite`` in
   ``book.aux``; an entry is found on the pages by its printed ``[n]``). They are whole pages of
   the book's bibliography: neighbouring entries on those pages come along, and every entry keeps
   its number in the book.

What a handout does not do: running headers and page numbers are the book's, and links to other
chapters (and the bookmarks) do not work in it. The chapter number of a handout's file is not in
its name: ``handouts/STEM.pdf``, STEM the chapter file's (``01-learning-problems``), which is
where each chapter page of the website links to (``_ext/publishing.py``).

Pages are copied with ``qpdf``, which keeps the fonts shared between them (poppler's
``pdfseparate``/``pdfunite`` copied the whole font set into every page: 13 MB and 40 s for a
22-page chapter, against 0.4 MB and half a second). ``pdfinfo`` and ``pdftotext`` (poppler-utils)
read the book. Exits non-zero, naming the chapter, when a chapter's pages or one of its
references cannot be found. Writes ``_build/latex/handouts.json``: the book's pages each handout
is made of.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_pdf  # noqa: E402  (book_chapters: the toc's pages)

LATEX = ROOT / "_build" / "latex"
HTML = ROOT / "_build" / "html"
OUT = "handouts"
BIBLIOGRAPHY_TITLES = ("Bibliography", "References")  # Sphinx's \bibname


class HandoutError(Exception):
    """A handout cannot be made; the message names the chapter."""


# --------------------------------------------------------------------------- reading the book
def run(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        raise HandoutError(f"{cmd[0]} is not installed (apt-get install qpdf poppler-utils)") from None
    except subprocess.CalledProcessError as e:
        raise HandoutError(f"{' '.join(cmd)} failed: {e.stderr.strip()[-500:]}") from None


def destinations(pdf: Path) -> dict[str, int]:
    """Named destination -> physical page (1-based), from ``pdfinfo -dests``."""
    out = {}
    for m in re.finditer(r'^\s*(\d+)\s+\[[^\]]*\]\s+"(.*)"\s*$', run("pdfinfo", "-dests", str(pdf)), re.M):
        out.setdefault(m.group(2), int(m.group(1)))
    return out


def page_texts(pdf: Path) -> list[str]:
    """The text of every page (index 0 is page 1)."""
    pages = run("pdftotext", "-enc", "UTF-8", "-layout", str(pdf), "-").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def toc_entries(toc: str) -> list[dict]:
    """The parts and chapters of ``book.toc``: level, title, printed page, hyperref anchor."""
    out = []
    for m in re.finditer(r"^\\contentsline \{(part|chapter)\}\{(.*)\}\{([^{}]*)\}\{([^{}]*)\}%?\s*$", toc, re.M):
        title = re.sub(r"\\numberline \{[^{}]*\}|\\hspace \{[^{}]*\}", "", m.group(2)).strip()
        out.append({"level": m.group(1), "title": title, "page": m.group(3), "anchor": m.group(4)})
    return out


def doc_anchors(aux: str) -> dict[str, tuple[str, str]]:
    """Docname -> (its number, its hyperref anchor), from ``\\newlabel{DOCNAME::doc}`` in book.aux."""
    out = {}
    for m in re.finditer(r"^\\newlabel\{(.+?)::doc\}\{\{([^{}]*)\}\{[^{}]*\}\{.*\}\{([^{}]*)\}\{[^{}]*\}\}\s*$", aux, re.M):
        out[m.group(1)] = (m.group(2), m.group(3))
    return out


def bibliography_numbers(aux: str) -> dict[str, int]:
    """Citation key -> its number in the bibliography (``\\bibcite``)."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\\bibcite\{(.+?)\}\{(\d+)\}", aux, re.M)}


def cited_keys(tex: str) -> dict[str, list[str]]:
    """Docname -> the citation keys its part of ``book.tex`` links to, in order, once each."""
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"\\label\{\\detokenize\{([^{}]+)::doc\}\}", tex)]
    out: dict[str, list[str]] = {}
    for k, (start, doc) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(tex)
        keys = out.setdefault(doc, [])
        for m in re.finditer(r"\\hyperlink\{cite\.([^{}]+)\}", tex[start:end]):
            if m.group(1) not in keys:
                keys.append(m.group(1))
    return out


# --------------------------------------------------------------------------- page ranges
def _book_title() -> str:
    import yaml

    return str(yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8")).get("title", "")).strip()


_HEADER = re.compile(r"(?:\d+\s+)?Chapter \d+\.\s.*|\d+")  # "220   Chapter 7. Adaptive methods", a page number


def is_blank(page: str, title: str | None = None) -> bool:
    """A page with nothing but its running header: the book's title, the page number, the chapter."""
    title = _book_title() if title is None else title
    return all(not line.strip() or line.strip() == title or _HEADER.fullmatch(line.strip())
               for line in page.splitlines())


def chapter_pages(doc: str, anchors, dests, boundaries: list[int], texts: list[str]) -> list[int]:
    """The physical pages of chapter ``doc``: its opening page to the page before the next chapter or part."""
    if doc not in anchors:
        raise HandoutError(f"{doc}: no \\newlabel{{{doc}::doc}} in book.aux (is the chapter in the PDF?)")
    anchor = anchors[doc][1]
    if anchor not in dests:
        raise HandoutError(f"{doc}: its anchor {anchor!r} is not a destination of book.pdf")
    first = dests[anchor]
    after = [b for b in boundaries if b > first]
    if not after:
        raise HandoutError(f"{doc}: no chapter, part or bibliography after it in book.toc (where does it end?)")
    last = after[0] - 1
    while last > first and is_blank(texts[last - 1]):  # the blank page before a right-hand opening
        last -= 1
    return list(range(first, last + 1))


_ENTRY = re.compile(r"^\s*\[(\d+)\]\s", re.M)


def bibliography_entries(texts: list[str], pages: list[int]) -> tuple[dict[int, int], set[int]]:
    """Entry number -> the page it starts on; and the pages whose text opens with an entry."""
    where, opens = {}, set()
    for p in pages:
        text = texts[p - 1]
        found = list(_ENTRY.finditer(text))
        for m in found:
            where.setdefault(int(m.group(1)), p)
        if found and len([line for line in text[:found[0].start()].splitlines() if line.strip()]) <= 1:
            opens.add(p)  # at most the running header before the first entry
    return where, opens


def reference_pages(doc: str, numbers: list[int], texts: list[str], bib_pages: list[int]) -> list[int]:
    """The bibliography pages that hold the entries ``numbers`` (an entry may run onto the next page)."""
    where, opens = bibliography_entries(texts, bib_pages)
    missing = [n for n in numbers if n not in where]
    if missing:
        raise HandoutError(f"{doc}: bibliography entries {missing} not found on the bibliography's pages "
                           f"{bib_pages[0] if bib_pages else '?'}-{bib_pages[-1] if bib_pages else '?'}")
    pages: set[int] = set()
    for n in numbers:
        first = where[n]
        if n + 1 in where:
            last = where[n + 1] - (1 if where[n + 1] in opens and where[n + 1] > first else 0)
        else:  # the last entry: the pages after it that hold no entry of their own
            last = first
            while last + 1 in bib_pages and not _ENTRY.search(texts[last]) and texts[last].strip():
                last += 1
        pages.update(range(first, max(first, last) + 1))
    return sorted(pages)


def plan(latex_dir: Path = LATEX, toc_file: Path = ROOT / "_toc.yml", source: Path = ROOT) -> list[dict]:
    """For each numbered chapter of the toc: its docname, stem, number, title and the book's pages."""
    pdf = latex_dir / "book.pdf"
    for f in (pdf, latex_dir / "book.aux", latex_dir / "book.toc", latex_dir / "book.tex"):
        if not f.is_file():
            raise HandoutError(f"no {f} (run the LaTeX build first: make pdf)")
    aux = (latex_dir / "book.aux").read_text(encoding="utf-8", errors="replace")
    toc = toc_entries((latex_dir / "book.toc").read_text(encoding="utf-8", errors="replace"))
    tex = (latex_dir / "book.tex").read_text(encoding="utf-8", errors="replace")
    dests, texts = destinations(pdf), page_texts(pdf)
    anchors, bibcite, cites = doc_anchors(aux), bibliography_numbers(aux), cited_keys(tex)

    boundaries = sorted({dests[e["anchor"]] for e in toc if e["anchor"] in dests})
    bib = [e for e in toc if e["level"] == "chapter" and e["title"] in BIBLIOGRAPHY_TITLES and e["anchor"] in dests]
    bib_pages: list[int] = []
    if bib:
        start = dests[bib[-1]["anchor"]]
        end = min([b for b in boundaries if b > start], default=len(texts) + 1) - 1
        bib_pages = list(range(start, end + 1))

    out = []
    for page in check_pdf.book_chapters(toc_file, source):
        if not page["numbered"]:
            continue
        doc = page["docname"]
        pages = chapter_pages(doc, anchors, dests, boundaries, texts)
        numbers = sorted({bibcite[k] for k in cites.get(doc, []) if k in bibcite})
        unnumbered = [k for k in cites.get(doc, []) if k not in bibcite]
        if unnumbered:
            raise HandoutError(f"{doc}: citations without a \\bibcite number in book.aux: {unnumbered[:5]}")
        if numbers and not bib_pages:
            raise HandoutError(f"{doc}: cites {len(numbers)} reference(s) but book.toc has no bibliography")
        refs = reference_pages(doc, numbers, texts, bib_pages) if numbers else []
        out.append({"docname": doc, "stem": page["file"].stem, "number": anchors[doc][0], "title": page["title"],
                    "chapter_pages": pages, "reference_pages": refs, "references": numbers})
    return out


def ranges(pages: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5,9"`` (qpdf's page-range syntax)."""
    parts, k = [], 0
    while k < len(pages):
        j = k
        while j + 1 < len(pages) and pages[j + 1] == pages[j] + 1:
            j += 1
        parts.append(f"{pages[k]}-{pages[j]}" if j > k else f"{pages[k]}")
        k = j + 1
    return ",".join(parts)


def write(latex_dir: Path = LATEX, html_dir: Path | None = HTML) -> list[dict]:
    """Write every handout (and the manifest); copy them into the site if it exists."""
    handouts = plan(latex_dir)
    out = latex_dir / OUT
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for h in handouts:
        target = out / f"{h['stem']}.pdf"
        try:
            run("qpdf", "--warning-exit-0", "--empty", "--pages", str(latex_dir / "book.pdf"),
                ranges(h["chapter_pages"] + h["reference_pages"]), "--", str(target))
        except HandoutError as e:
            raise HandoutError(f"{h['docname']}: {e}") from None
        h["file"] = str(target.relative_to(latex_dir))
    (latex_dir / "handouts.json").write_text(json.dumps(handouts, indent=1) + "\n", encoding="utf-8")
    if html_dir is not None and html_dir.is_dir():
        shutil.rmtree(html_dir / OUT, ignore_errors=True)
        shutil.copytree(out, html_dir / OUT)
    return handouts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latex-dir", type=Path, default=LATEX)
    ap.add_argument("--html-dir", type=Path, default=HTML, help="copy the handouts into this site, if it exists")
    args = ap.parse_args(argv)
    t0 = time.time()
    try:
        handouts = write(args.latex_dir, args.html_dir)
    except HandoutError as e:
        print(f"[handouts] FAILED: {e}", file=sys.stderr)
        return 1
    for h in handouts:
        print(f"[handouts] {h['file']}: chapter {h['number']}, pages {ranges(h['chapter_pages'])} "
              f"and {len(h['reference_pages'])} page(s) of references ({len(h['references'])} entries)")
    print(f"[handouts] ok: {len(handouts)} chapter handout(s) in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
