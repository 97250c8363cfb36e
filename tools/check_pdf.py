"""Check the PDF of the book (``make pdf`` runs it after LaTeX; ``tests/test_pdf.py`` uses it).

    python tools/check_pdf.py                 # check _build/latex/book.{log,pdf}; exit 1 on a problem
    python tools/check_pdf.py --explain       # after a failed LaTeX run: the error, its source file and line

What it checks in the LaTeX log: errors, undefined references and citations, multiply defined
labels. ``latexmk`` exits 0 on undefined references, so without this a PDF full of ``??``
would pass.

The functions are shared with the tests:

- :func:`log_problems` (the log), :func:`explain_error` (map a ``book.tex`` line back to the
  chapter's ``.md`` file and line),
- :func:`html_numbers` / :func:`pdf_numbers` (the numbers of theorems, exercises, equations and
  figures on the website and in the PDF, by label),
- :func:`pdf_figure_count` (images placed on the pages: raster images and embedded vector
  figures, read from the PDF's page resources),
- :func:`book_chapters` (the toc's pages and their titles).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import unicodedata
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATEX = ROOT / "_build" / "latex"

# --------------------------------------------------------------------------- the LaTeX log
_PROBLEMS = [
    (re.compile(r"^! .*$", re.M), "LaTeX error"),
    (re.compile(r"^\S+\.tex:\d+: .*$", re.M), "LaTeX error"),
    (re.compile(r"LaTeX Warning: Reference `[^']*' on page \d+\s+undefined", re.S), "undefined reference"),
    (re.compile(r"LaTeX Warning: Citation `[^']*' on page \d+\s+undefined", re.S), "undefined citation"),
    (re.compile(r"LaTeX Warning: There were undefined references"), "undefined references"),
    (re.compile(r"LaTeX Warning: Label `[^']*' multiply defined"), "label defined twice"),
    (re.compile(r"LaTeX Warning: Hyper reference `[^']*' on page \d+\s+undefined", re.S), "undefined link"),
]


def log_problems(log: str) -> list[str]:
    """Every error and unresolved reference the LaTeX log reports (empty: a clean run)."""
    out = []
    for pattern, kind in _PROBLEMS:
        for m in pattern.finditer(log):
            out.append(f"{kind}: {' '.join(m.group(0).split())}")
    return out


def _doc_starts(tex_lines: list[str]) -> list[tuple[int, str]]:
    """(line number, docname) where each page of the book starts in ``book.tex``."""
    starts = []
    for i, line in enumerate(tex_lines, 1):
        for m in re.finditer(r"\\label\{\\detokenize\{([^{}]+)::doc\}\}", line):
            starts.append((i, m.group(1)))
    return starts


def source_of_tex_line(tex: Path, line: int, hint: str = "", source: Path = ROOT) -> str:
    """``chapters/x.md:LINE`` for a line of ``book.tex`` (the line if ``hint`` is found in the file)."""
    lines = tex.read_text(encoding="utf-8", errors="replace").splitlines()
    doc = None
    for start, name in _doc_starts(lines):
        if start <= line:
            doc = name
    if doc is None:
        return f"{tex.name}:{line} (before the first page of the book)"
    md = source / f"{doc}.md"
    where = f"{md.relative_to(source) if md.is_file() else doc}"
    if hint and md.is_file():
        for n, text in enumerate(md.read_text(encoding="utf-8").splitlines(), 1):
            if hint in text:
                return f"{where}:{n}"
    return where


def explain_error(latex_dir: Path = LATEX, source: Path = ROOT) -> str:
    """The first LaTeX error of ``book.log`` with the chapter file (and line) it comes from."""
    log_file, tex = latex_dir / "book.log", latex_dir / "book.tex"
    if not log_file.is_file() or not tex.is_file():
        return f"no LaTeX log in {latex_dir} (the Sphinx stage failed: see the messages above)"
    log = log_file.read_text(encoding="utf-8", errors="replace")
    m = re.search(r"^(?:\./)?book\.tex:(\d+): (.*)$", log, re.M)
    if not m:
        bang = re.search(r"^! (.*)$", log, re.M)
        return f"LaTeX failed: {bang.group(1) if bang else 'see ' + str(log_file)}"
    line, message = int(m.group(1)), m.group(2)
    context = re.search(r"^l\.%d (.*)$" % line, log[m.end():], re.M)
    before = context.group(1) if context else ""
    macros = re.findall(r"\\[A-Za-z]+", before)
    hint = macros[-1] if macros and "control sequence" in message else before.strip()[-30:]
    where = source_of_tex_line(tex, line, hint, source)
    return (f"LaTeX error: {message}\n  at {tex}:{line}\n  from {where}"
            + (f"\n  near: {before.strip()}" if before else ""))


# --------------------------------------------------------------------------- the book's pages
def book_chapters(toc: Path = ROOT / "_toc.yml", source: Path = ROOT) -> list[dict]:
    """The toc's pages in order: file, docname, title, whether in a numbered part."""
    import yaml

    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    pages = []

    def title_of(md: Path) -> str:
        m = re.search(r"^# (.+)$", md.read_text(encoding="utf-8"), re.M)
        return m.group(1).strip() if m else md.stem

    def add(entry: dict, numbered: bool) -> None:
        md = source / f"{entry['file']}.md"
        pages.append({"file": md, "docname": entry["file"], "title": title_of(md), "numbered": numbered})
        for sub in entry.get("sections", []) or []:
            add(sub, numbered)

    root = source / f"{data['root']}.md"
    pages.append({"file": root, "docname": data["root"], "title": title_of(root), "numbered": False})
    for part in data.get("parts", []):
        for entry in part.get("chapters", []):
            add(entry, bool(part.get("numbered")))
    return pages


def figure_labels(md: Path) -> list[str]:
    """Names of the numbered figures of a MyST page (``{glue:figure}`` and ``{figure}``)."""
    text = md.read_text(encoding="utf-8")
    names = []
    for m in re.finditer(r"^(`{3,}|:{3,})\{(?:glue:figure|figure)\}[^\n]*\n((?:[ \t]*:[\w-]+:.*\n)*)", text, re.M):
        n = re.search(r":name:\s*(\S+)", m.group(2))
        names.append(n.group(1) if n else f"(unnamed figure in {md.name})")
    return names


# --------------------------------------------------------------------------- numbers
def html_numbers(html_file: Path) -> dict[str, str]:
    """Label -> number shown on a website page, for statements, exercises, equations, figures."""
    html = html_file.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r'<div class="proof (\w+)[^"]*admonition" id="([^"]+)">\s*<p class="admonition-title">'
                         r'\s*<span class="caption-number">(\w+) ([\d.]+) </span>', html):
        out[m.group(2)] = f"{m.group(3)} {m.group(4)}"
    for m in re.finditer(r'<div class="[^"]*\bexercise\b[^"]*admonition" id="([^"]+)">\s*<p class="admonition-title">'
                         r'\s*<span class="caption-number">Exercise ([\d.]+) </span>', html):
        out[m.group(1)] = f"Exercise {m.group(2)}"
    for m in re.finditer(r'id="equation-([^"]+)">\s*<span class="eqno">\(([\d.]+)\)', html):
        out[m.group(1)] = f"({m.group(2)})"
    for m in re.finditer(r'<figure class="[^"]*" id="([^"]+)">.*?<span class="caption-number">Fig\. ([\d.]+) </span>',
                         html, re.S):
        out[m.group(1)] = f"Fig. {m.group(2)}"
    return out


def aux_labels(aux: Path) -> dict[str, str]:
    """LaTeX label -> the number LaTeX printed for it (from ``book.aux``)."""
    out = {}
    for m in re.finditer(r"^\\newlabel\{(.+?)\}\{\{([^{}]*)\}", aux.read_text(encoding="utf-8", errors="replace"), re.M):
        out[m.group(1)] = m.group(2)
    return out


def pdf_numbers(aux: Path, docname: str, html: dict[str, str]) -> dict[str, str]:
    """For each label of ``html``: the same kind of number as printed in the PDF ('' if missing)."""
    labels = aux_labels(aux)
    out = {}
    for label, shown in html.items():
        kind = shown.split(" ")[0] if not shown.startswith("(") else ""
        if shown.startswith("("):
            number = labels.get(f"equation:{docname}:{label}", "")
            out[label] = f"({number})" if number else ""
        elif kind == "Exercise":
            number = labels.get(f"exercise:{label}", "")
            out[label] = f"Exercise {number}" if number else ""
        else:
            number = labels.get(f"{docname}:{label}", "")
            out[label] = f"{kind} {number}" if number else ""
    return out


# --------------------------------------------------------------------------- images
def _pdf_objects(data: bytes) -> dict[int, bytes]:
    """Object number -> its text (dictionary part), including objects inside object streams."""
    objs: dict[int, bytes] = {}
    for m in re.finditer(rb"(\d+)\s+0\s+obj\b(.*?)(?:\bstream\r?\n|\bendobj)", data, re.S):
        objs[int(m.group(1))] = m.group(2)
    for m in re.finditer(rb"(\d+)\s+0\s+obj\s*(<<.*?/Type\s*/ObjStm.*?>>)\s*stream\r?\n", data, re.S):
        head = m.group(2)
        first = re.search(rb"/First\s+(\d+)", head)
        start = m.end()
        end = data.find(b"endstream", start)
        try:
            body = zlib.decompress(data[start:end])
        except zlib.error:
            continue
        if not first:
            continue
        first_at = int(first.group(1))
        nums = [int(x) for x in body[:first_at].split()]
        pairs = list(zip(nums[::2], nums[1::2]))
        for k, (num, off) in enumerate(pairs):
            stop = pairs[k + 1][1] if k + 1 < len(pairs) else len(body) - first_at
            objs[num] = body[first_at + off:first_at + stop]
    return objs


def _dict_after(text: bytes, key: bytes) -> bytes | None:
    """The ``<< ... >>`` value of ``key`` in a PDF dictionary text (balanced)."""
    i = text.find(key)
    if i < 0:
        return None
    j = text.find(b"<<", i)
    if j < 0 or text[i + len(key):j].strip():
        return None
    depth, k = 0, j
    while k < len(text) - 1:
        if text[k:k + 2] == b"<<":
            depth += 1
            k += 2
            continue
        if text[k:k + 2] == b">>":
            depth -= 1
            k += 2
            if depth == 0:
                return text[j:k]
            continue
        k += 1
    return None


def _resolve(objs: dict[int, bytes], text: bytes, key: bytes) -> bytes | None:
    """A dictionary value, inline or through an indirect reference."""
    inline = _dict_after(text, key)
    if inline is not None:
        return inline
    m = re.search(re.escape(key) + rb"\s*(\d+)\s+0\s+R", text)
    return objs.get(int(m.group(1))) if m else None


def pdf_figure_count(pdf: Path) -> dict[str, int]:
    """Images drawn on the pages: ``raster`` (pdfimages' list), ``vector`` (embedded PDF figures).

    A vector figure (a matplotlib PDF) is a Form XObject named in a page's resources;
    ``pdfimages`` does not list those. Forms nested inside a figure are not counted.
    """
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    raster = sum(1 for line in listing.splitlines()[2:] if line.split() and line.split()[2] == "image")
    objs = _pdf_objects(pdf.read_bytes())
    forms = set()
    for num, text in objs.items():
        if not re.search(rb"/Type\s*/Page(?![s\w])", text):
            continue
        resources = _resolve(objs, text, b"/Resources")
        if resources is None:
            continue
        xobjects = _resolve(objs, resources, b"/XObject")
        if xobjects is None:
            continue
        for ref in re.findall(rb"/[^\s/<>\[\]()]+\s*(\d+)\s+0\s+R", xobjects):
            target = objs.get(int(ref), b"")
            if re.search(rb"/Subtype\s*/Form", target):
                forms.add(int(ref))
    return {"raster": raster, "vector": len(forms)}


def normalise(text: str) -> str:
    """Text for comparisons: NFKC (ligatures), one space, no soft hyphens, lower case."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return " ".join(text.split()).lower()


def plain_title(title: str) -> str:
    """A MyST heading without markup: roles, math and emphasis removed, as pdftotext shows it."""
    title = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", title)
    title = re.sub(r"\$[^$]*\$", " ", title)
    title = re.sub(r"[*_`]", "", title)
    return " ".join(title.split())


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latex-dir", type=Path, default=LATEX)
    ap.add_argument("--source", type=Path, default=ROOT, help="the book's folder")
    ap.add_argument("--explain", action="store_true", help="explain a failed LaTeX run and exit 1")
    args = ap.parse_args(argv)
    if args.explain:
        print("[pdf] " + explain_error(args.latex_dir, args.source.resolve()), file=sys.stderr)
        return 1
    pdf, log = args.latex_dir / "book.pdf", args.latex_dir / "book.log"
    if not pdf.is_file() or not log.is_file():
        print(f"[pdf] no PDF in {args.latex_dir}", file=sys.stderr)
        return 1
    problems = log_problems(log.read_text(encoding="utf-8", errors="replace"))
    for p in problems:
        print(f"[pdf] {p}", file=sys.stderr)
    if problems:
        print(f"[pdf] FAILED: {len(problems)} problem(s) in {log}", file=sys.stderr)
        return 1
    pages = re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                        text=True).stdout or "")
    print(f"[pdf] ok: {pdf} ({pages.group(1) if pages else '?'} pages), no errors or undefined references")
    return 0


if __name__ == "__main__":
    sys.exit(main())
