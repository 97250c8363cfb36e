"""The website's publishing details (HTML builder only).

1. **Downloads.** Every page with code offers its source (``.md``), its executed notebook
   (``.ipynb``, written next to the source copy in ``_sources/``) and the PDF of the whole
   book (``book.pdf`` at the site's root, put there by ``make pdf``) in the download menu,
   instead of the theme's "print this page". A numbered chapter also offers its handout,
   ``handouts/STEM.pdf`` (that chapter alone, cut from the book's PDF by ``tools/handouts.py``
   during ``make pdf``, so its numbers are the book's).
2. **No duplicate scripts.** sphinx-thebe can register its configuration script twice, and
   the second ``const THEBE_JS_URL`` is a page error; identical scripts are kept once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

BOOK_PDF = "book.pdf"
HANDOUTS = "handouts"  # handouts/STEM.pdf, one per numbered chapter, put there by `make pdf`


def handout_path(pagename: str) -> str:
    """Where the handout of a chapter page is published, relative to the site's root."""
    return f"{HANDOUTS}/{pagename.rsplit('/', 1)[-1]}.pdf"


def _is_numbered_chapter(app, pagename: str) -> bool:
    return bool(getattr(app.env, "toc_secnumbers", {}).get(pagename, {}).get(""))


def _has_kernel(app, pagename: str) -> bool:
    return bool(app.env.metadata.get(pagename, {}).get("kernelspec"))


def _write_notebook(app, pagename: str) -> str | None:
    """Copy the executed notebook of a page to ``_sources/PAGENAME.ipynb``; return its name."""
    out = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    if executed.is_file():
        shutil.copyfile(executed, out)
    else:  # not executed (e.g. execution off): the notebook of the source, without outputs
        import jupytext

        source = Path(app.env.doc2path(pagename))
        jupytext.write(jupytext.read(source), out, fmt="ipynb")
    return f"{pagename}.ipynb"


def add_notebook(app, pagename, templatename, context, doctree) -> None:
    """Before the theme builds its buttons: offer the page's notebook."""
    if doctree is not None and _has_kernel(app, pagename):
        context["ipynb_source"] = _write_notebook(app, pagename)


def book_pdf_button(app, pagename, templatename, context, doctree) -> None:
    """After the theme built its buttons: the .pdf entry downloads the book, not a print-out."""
    pathto = context["pathto"]
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        for i, button in enumerate(group.get("buttons", [])):
            if button.get("label") == "download-pdf-button":
                group["buttons"][i] = {
                    "type": "link",
                    "url": pathto(BOOK_PDF, 1),
                    "text": ".pdf",
                    "tooltip": "Download the book as PDF",
                    "icon": "fas fa-file-pdf",
                    "label": "download-pdf-button",
                }
                if _is_numbered_chapter(app, pagename):
                    group["buttons"].insert(i + 1, {
                        "type": "link",
                        "url": pathto(handout_path(pagename), 1),
                        "text": "chapter .pdf",
                        "tooltip": "Download this chapter alone as PDF (a handout)",
                        "icon": "fas fa-file-pdf",
                        "label": "download-handout-button",
                    })
                break


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, kept = set(), []
    for script in context.get("script_files", []):
        attrs = getattr(script, "attributes", {}) or {}
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    if "script_files" in context:
        context["script_files"][:] = kept


def setup(app):
    app.connect("html-page-context", add_notebook, priority=450)
    app.connect("html-page-context", book_pdf_button, priority=550)
    app.connect("html-page-context", dedupe_scripts, priority=550)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
