"""The website's publishing details (HTML builder only).

1. **Downloads.** Every page with code offers its source (``.md``), its executed notebook
   (``.ipynb``, written next to the source copy in ``_sources/``) and the PDF of the whole
   book (``book.pdf`` at the site's root, put there by ``make pdf``) in the download menu,
   instead of the theme's "print this page". A numbered chapter also offers its handout,
   ``handouts/STEM.pdf`` (that chapter alone, cut from the book's PDF by ``tools/handouts.py``
   during ``make pdf``, so its numbers are the book's).
2. **No duplicate scripts.** sphinx-thebe can register its configuration script twice, and
   the second ``const THEBE_JS_URL`` is a page error; identical scripts are kept once.
3. **Live code from the site itself.** With ``launch_buttons: thebe: true`` the *Live code*
   entry of the launch menu loads Thebe. sphinx-thebe names a CDN copy (``THEBE_JS_URL``); here
   it becomes the site's ``_static/thebe/index.js`` (vendored by ``tools/vendor_thebe.py``,
   which ``make`` runs), and the build fails if the vendored copy is missing or a CDN address is
   left. The page's Thebe configuration (``<script type="text/x-thebe-config">``) is written for
   the vendored Thebe 0.9: Binder at ``launch_buttons.binderhub_url`` with the repository and
   branch of ``repository:`` (Binder builds ``binder/``), the chapter's kernel and folder, and no
   MathJax 2 from a CDN for LaTeX outputs (``mathjaxUrl: ""``). ``_ext/static/nnbook-thebe.js``
   starts Thebe with that configuration (sphinx-thebe's own start asks Thebe 0.9 for no kernel).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError

BOOK_PDF = "book.pdf"
ROOT = Path(__file__).resolve().parent.parent
THEBE_JS = "_static/thebe/index.js"  # in the site; copied from _vendor/ (html_extra_path)
THEBE_VENDORED = ROOT / "_vendor" / THEBE_JS
_THEBE_URL = re.compile(r'const THEBE_JS_URL = "([^"]*)"')
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


# --------------------------------------------------------------------------- live code (Thebe)
def _launch_buttons(app) -> dict:
    return dict((app.config.html_theme_options or {}).get("launch_buttons") or {})


def thebe_enabled(app) -> bool:
    return app.builder.format == "html" and bool(_launch_buttons(app).get("thebe"))


def check_thebe_vendored(app) -> None:
    if not thebe_enabled(app):
        return
    if not THEBE_VENDORED.is_file():
        raise ExtensionError(f"Live code is on but {THEBE_VENDORED.relative_to(ROOT)} is missing: "
                             "run `python tools/vendor_thebe.py` (make does)")
    app.add_js_file("nnbook-thebe.js")  # _ext/static (added by nnbook): starts Thebe with the page's configuration


def thebe_config(app, docname: str) -> dict:
    """The Thebe 0.9 configuration of a page (production: Binder builds this repository's binder/)."""
    options = app.config.html_theme_options or {}
    url = str(options.get("repository_url") or "").rstrip("/")
    if "github.com/" not in url:
        raise ExtensionError(f"Live code needs a GitHub repository URL in _config.yml, got {url!r}")
    repo = "/".join(url.split("github.com/", 1)[1].split("/")[:2])
    kernelspec = app.env.metadata.get(docname, {}).get("kernelspec") or {}
    if isinstance(kernelspec, str):
        kernelspec = json.loads(kernelspec)
    kernel = kernelspec.get("name", "python3")
    folder = str(Path(str(options.get("path_to_docs") or "")) / Path(docname).parent).strip("./") or "."
    return {
        "requestKernel": True,
        "useBinder": True,
        "binderOptions": {"repo": repo, "ref": options.get("repository_branch") or "main",
                          "binderUrl": str(_launch_buttons(app).get("binderhub_url", "https://mybinder.org")).rstrip("/"),
                          "repoProvider": "github"},
        "kernelOptions": {"name": kernel, "kernelName": kernel, "path": folder},
        "codeMirrorConfig": {"theme": "abcdef", "mode": "python" if "python" in kernel else kernel},
        "predefinedOutput": True,
        "mathjaxUrl": "",
    }


def write_thebe_config(app, doctree, docname) -> None:
    """Replace sphinx-thebe's page configuration (written for Thebe 0.8) with ours."""
    if not thebe_enabled(app):
        return
    for node in list(doctree.findall(nodes.raw)):
        if "text/x-thebe-config" in node.astext():
            script = ('<script type="text/x-thebe-config">\n'
                      + json.dumps(thebe_config(app, docname), indent=2) + "\n</script>\n")
            node.replace_self(nodes.raw(text=script, format="html"))


def local_thebe_script(app, pagename, templatename, context, doctree) -> None:
    """``THEBE_JS_URL`` names the site's own copy of Thebe; a CDN address left anywhere fails the build."""
    if not thebe_enabled(app) or "script_files" not in context:
        return
    local = context["pathto"](THEBE_JS, 1)
    out = []
    for script in context["script_files"]:
        attrs = dict(getattr(script, "attributes", {}) or {})
        body = attrs.get("body") or ""
        if "THEBE_JS_URL" in body:
            attrs["body"] = _THEBE_URL.sub(f'const THEBE_JS_URL = "{local}"', body)
            if "//" in _THEBE_URL.search(attrs["body"]).group(1):
                raise ExtensionError(f"{pagename}: THEBE_JS_URL still names another site: {attrs['body']}")
            script = type(script)(script.filename, priority=script.priority, **attrs)
        out.append(script)
    context["script_files"][:] = out


def setup(app):
    app.connect("html-page-context", add_notebook, priority=450)
    app.connect("html-page-context", book_pdf_button, priority=550)
    app.connect("html-page-context", local_thebe_script, priority=540)
    app.connect("html-page-context", dedupe_scripts, priority=550)
    app.connect("builder-inited", check_thebe_vendored)
    app.connect("doctree-resolved", write_thebe_config, priority=600)  # after sphinx-thebe's (500)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
