"""The website as a reader sees it: Debian's headless Chromium, driven by Playwright, offline.

The built site (``_build/html``, from the ``built_book`` fixture) is served on 127.0.0.1 (a port
the system picks) and every request that does not go to it is aborted, as on a machine without
network. For the landing page and every page of the table of contents it checks that the
mathematics is rendered by the site's own MathJax (no raw TeX left, no MathJax error), that no
request fails and nothing is logged as an error, that every image loads, and, on pages with
code, that the Binder launch button and the downloads (.md, .ipynb, PDF) are there. Figures
must have opaque backgrounds so they read in the dark theme as in the light one. The search
page must find a chapter. Every internal link and anchor of every HTML file must resolve;
external links are written to ``_build/artifacts/external-links.txt``, not fetched.

Screenshots of the first chapter (light and dark) are saved to ``_build/artifacts/`` for CI.
Everything is derived from ``_toc.yml`` and ``_config.yml``: chapters can be added freely.
"""

from __future__ import annotations

import functools
import html as htmllib
import re
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse
from urllib.request import urlopen

import pytest
import yaml

from conftest import ROOT, require_program

sys.path.insert(0, str(ROOT / "tools"))
import check_pdf  # noqa: E402  (book_chapters: the toc's pages and titles)

pytestmark = [pytest.mark.system, pytest.mark.book]

ARTIFACTS = ROOT / "_build" / "artifacts"
BOOK_PDF = "book.pdf"  # put into the site by `make pdf`
HANDOUTS = "handouts"  # handouts/STEM.pdf, one per numbered chapter, also put there by `make pdf`
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
PAGES = check_pdf.book_chapters()
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _has_code(page) -> bool:
    text = page["file"].read_text(encoding="utf-8")
    return "kernelspec:" in text and "```{code-cell}" in text


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built website served on 127.0.0.1 at a free port; its base URL."""
    assert built_book.returncode == 0, "the book build failed:\n" + built_book.output[-4000:]
    handler = functools.partial(_QuietHandler, directory=str(built_book.html))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    chromium = require_program("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _follow_meta_refresh(url: str) -> str:
    """The page a ``<meta http-equiv="Refresh" content="0; url=...">`` stub at ``url`` leads to (else ``url``)."""
    with urlopen(url) as response:  # the local test server only
        text = response.read(4096).decode("utf-8", "replace")
    m = re.search(r'<meta[^>]*http-equiv="refresh"[^>]*content="\d+;\s*url=([^"]+)"', text, re.IGNORECASE)
    return urljoin(url, htmllib.unescape(m.group(1))) if m else url


class Visit:
    """One page load with everything a reader would notice going wrong."""

    def __init__(self, browser, url: str, color_scheme: str = "light"):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.external: list[str] = []
        base = urlparse(url)
        local = f"{base.scheme}://{base.netloc}/"

        def route(r):
            if r.request.url.startswith(local):
                r.continue_()
            else:
                self.external.append(r.request.url)
                r.abort("blockedbyclient")

        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: self.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
        # The site's index.html is a meta-refresh redirect to the root page. Following it in the
        # browser races with whatever the test evaluates next (CI once counted the redirect stub's
        # zero search boxes), so the redirect is resolved here and the target is loaded directly.
        url = _follow_meta_refresh(url)
        self.page.goto(url, wait_until="load")
        # MathJax typesets asynchronously: wait until it says it is done
        self.page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
        self.page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => 1) : 1")
        self.page.evaluate("""() => Promise.all([...document.images].map(i => i.complete ? 1 :
                                new Promise(r => { i.onload = i.onerror = r; })))""")

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def visits(site, browser):
    """Every toc page (and the site's index) visited once in the light theme."""
    out = {}
    urls = {"index": urljoin(site, "index.html")}
    urls.update({p["docname"]: urljoin(site, p["docname"] + ".html") for p in PAGES})
    for name, url in urls.items():
        v = Visit(browser, url)
        out[name] = v
    yield out
    for v in out.values():
        v.close()


PAGE_IDS = ["index"] + [p["docname"] for p in PAGES]
CODE_PAGES = [p for p in PAGES if _has_code(p)]


@pytest.mark.parametrize("name", PAGE_IDS)
def test_page_loads_cleanly_offline(visits, name):
    """No failed request, no request leaving the machine, no console or page error."""
    v = visits[name]
    assert v.failed == [], v.failed
    assert v.external == [], f"the page asks the network for: {v.external}"
    assert v.errors == [], v.errors


@pytest.mark.parametrize("name", PAGE_IDS)
def test_mathematics_is_rendered(visits, name):
    """Every math element is typeset by the local MathJax; no raw TeX remains in the prose."""
    page = visits[name].page
    n_math = page.evaluate("() => document.querySelectorAll('span.math, div.math').length")
    n_rendered = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    if n_math:
        assert n_rendered >= n_math, f"{n_rendered} rendered of {n_math} math elements"
    assert page.evaluate("() => document.querySelectorAll('mjx-merror, [data-mjx-error]').length") == 0
    prose = page.evaluate("""() => { const b = document.querySelector('main') || document.body;
        const c = b.cloneNode(true);
        c.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .cell_input, .cell_output')
         .forEach(e => e.remove());
        return c.innerText; }""")
    for raw in ("$$", "\\begin{", "\\(", "\\[", "\\frac", "\\mathbb"):
        assert raw not in prose, f"raw TeX {raw!r} left on the page: ...{prose[max(0, prose.find(raw) - 80):prose.find(raw) + 80]}..."


@pytest.mark.parametrize("name", PAGE_IDS)
def test_every_image_loads(visits, name):
    broken = visits[name].page.evaluate(
        "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == []


@pytest.mark.parametrize("name", [p["docname"] for p in PAGES])
def test_figures_have_opaque_backgrounds(visits, name):
    """Figures read in the dark theme: no transparent pixels that would show the dark page."""
    transparent = visits[name].page.evaluate("""() => [...document.querySelectorAll(
            'figure img, .cell_output img, .output img')].map(img => {
        const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data; let clear = 0;
        for (let k = 3; k < d.length; k += 4) if (d[k] < 250) clear++;
        return [img.getAttribute('src'), clear / (d.length / 4)]; }).filter(x => x[1] > 0)""")
    assert transparent == [], f"figures with transparent pixels (fraction): {transparent}"


@pytest.mark.parametrize("name", [p["docname"] for p in CODE_PAGES])
def test_launch_and_download_buttons(visits, site, name):
    """A Binder launch button for this chapter of the configured repository, and .md/.ipynb/PDF downloads."""
    page = visits[name].page
    repo = urlparse(CONFIG["repository"]["url"]).path.strip("/")
    branch = CONFIG["repository"].get("branch", "main")
    binder = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    launch = f"{binder}/v2/gh/{repo}/{branch}?urlpath=lab/tree/{name}.md"
    assert launch in hrefs, f"no launch button to {launch}"
    for suffix in (".md", ".ipynb"):
        want = urljoin(site, f"_sources/{name}{suffix}")
        assert want in hrefs, f"no download of {want}"
        assert (ROOT / "_build" / "html" / "_sources" / f"{name}{suffix}").is_file()
    assert urljoin(site, BOOK_PDF) in hrefs, "no download of the book's PDF"


@pytest.mark.parametrize("name", [p["docname"] for p in PAGES])
def test_statement_and_equation_links_jump_to_anchors(visits, site, browser, name):
    """Links to theorems, exercises and equations lead to an element with that id."""
    page = visits[name].page
    links = page.evaluate("""() => [...document.querySelectorAll('a.reference.internal[href*="#"]')]
        .filter(a => /^(\\(\\d+(\\.\\d+)*\\)|[A-Z][a-z]+ \\d+(\\.\\d+)*)$/.test(a.innerText.trim()))
        .map(a => a.href)""")
    for href in links:
        url, _, anchor = href.partition("#")
        if url == page.url.split("#")[0]:
            assert page.evaluate("id => !!document.getElementById(id)", unquote(anchor)), href
        else:
            target = Path(str(ROOT / "_build" / "html") + urlparse(url).path)
            assert target.is_file() and f'id="{unquote(anchor)}"' in target.read_text(encoding="utf-8"), href


def test_landing_page_says_what_the_book_is_in_one_screen(visits):
    """On the landing page, the first screen (1280 x 900) shows what the book is, the three ways to read it and the parts."""
    page = visits["index"].page
    page.evaluate("() => window.scrollTo(0, 0)")
    bottoms = page.evaluate("""() => {
        const main = document.querySelector('main') || document.body;
        const find = (re) => [...main.querySelectorAll('p, li, .admonition-title')].find(e => re.test(e.textContent));
        const wanted = {what: /executable textbook/, website: /on the website/i, notebook: /live notebook/i,
                        pdf: /As a PDF/, parts: /The six parts/};
        return Object.fromEntries(Object.entries(wanted).map(([k, re]) => {
            const e = find(re); return [k, e ? e.getBoundingClientRect().bottom : null]; }));
    }""")
    missing = [k for k, b in bottoms.items() if b is None]
    assert not missing, f"the landing page does not say: {missing}"
    below = {k: round(b) for k, b in bottoms.items() if b > 900}
    assert not below, f"below the first screen (px): {below}"


@pytest.mark.parametrize("width, expected", [(1280, {1}), (800, {0, 1})])
def test_one_search_box(site, browser, width, expected):
    """At desktop width a page shows exactly one search box (not the header's and the sidebar's), never two when narrow."""
    v = Visit(browser, urljoin(site, "index.html"))
    try:
        v.page.set_viewport_size({"width": width, "height": 900})
        shown = v.page.evaluate("""() => [...document.querySelectorAll('.search-button__button, form.bd-search')]
                                   .filter(e => e.checkVisibility()).length""")
        assert shown in expected, f"{shown} search boxes visible at width {width}"
    finally:
        v.close()


def test_search_finds_a_chapter(site, browser):
    chapters = [p for p in PAGES if p["numbered"]] or PAGES
    chapter = chapters[0]
    words = [w for w in re.findall(r"[A-Za-z]{5,}", check_pdf.plain_title(chapter["title"]))] or ["book"]
    v = Visit(browser, urljoin(site, f"search.html?q={words[0].lower()}"))
    try:
        v.page.wait_for_function("() => document.querySelectorAll('#search-results li, ul.search li').length > 0",
                                 timeout=20_000)
        hits = v.page.evaluate("() => [...document.querySelectorAll('#search-results li a, ul.search li a')]"
                               ".map(a => a.getAttribute('href'))")
        assert any(chapter["docname"] in (h or "") for h in hits), hits
        assert v.errors == [] and v.failed == [], (v.errors, v.failed)
    finally:
        v.close()


def test_screenshots_light_and_dark(site, browser):
    """Screenshots of the first chapter in both themes (CI artifacts); the dark theme is applied."""
    chapter = ([p for p in PAGES if p["numbered"]] or PAGES)[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for scheme, name in (("light", "chapter.png"), ("dark", "chapter-dark.png")):
        v = Visit(browser, urljoin(site, chapter["docname"] + ".html"), color_scheme=scheme)
        try:
            assert v.page.evaluate("() => document.documentElement.dataset.theme") == scheme
            figure = v.page.query_selector("figure img")
            if figure is not None:
                figure.scroll_into_view_if_needed()
            v.page.screenshot(path=str(ARTIFACTS / name))
            assert v.errors == [], v.errors
        finally:
            v.close()
        assert (ARTIFACTS / name).stat().st_size > 10_000


# --------------------------------------------------------------------------- links, statically
_ATTR = re.compile(r'\b(?:href|src)="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')


def test_every_internal_link_resolves_and_external_links_are_listed(built_book):
    html_dir = built_book.html
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = set(_ID.findall(path.read_text(encoding="utf-8", errors="replace")))
        return ids[path]

    broken, external = [], set()
    for page in sorted(html_dir.rglob("*.html")):
        if "_static" in page.parts:
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        for raw in _ATTR.findall(text):
            link = htmllib.unescape(raw)
            parsed = urlparse(link)
            if parsed.scheme in ("http", "https", "mailto", "ftp"):
                external.add(link)
                continue
            if parsed.scheme or link.startswith("//"):
                continue  # data:, javascript:
            target = page if not parsed.path else (page.parent / unquote(parsed.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if target.name == BOOK_PDF and target.parent == html_dir.resolve():
                continue  # written by `make pdf` (tests/test_pdf.py checks it is there afterwards)
            if (target.parent == (html_dir / HANDOUTS).resolve() and target.suffix == ".pdf"
                    and target.stem in {p["file"].stem for p in PAGES if p["numbered"]}):
                continue  # a chapter's handout, written by `make pdf` (tests/test_pdf.py checks it)
            if not target.exists():
                broken.append(f"{page.relative_to(html_dir)}: {link} (no file)")
                continue
            if parsed.fragment and target.suffix == ".html" and unquote(parsed.fragment) not in ids_of(target):
                broken.append(f"{page.relative_to(html_dir)}: {link} (no anchor)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "external-links.txt").write_text("".join(f"{u}\n" for u in sorted(external)))
    assert not broken, "\n".join(broken[:50])


# --------------------------------------------------------------------------- accessibility (axe-core)
# axe-core (bundled with axe-playwright-python, injected into the page: nothing is fetched) with the
# WCAG 2.1 A and AA rules, on every page in both themes. A serious or critical violation fails; minor
# and moderate ones are not counted. The light pages loaded by `visits` are reused: the theme follows
# the reader's colour scheme (`default_mode: auto`), so emulating `prefers-color-scheme: dark` switches
# the loaded page to the dark theme.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    return pytest.importorskip("axe_playwright_python.sync_playwright").Axe()


def axe_violations(axe, page) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations of the loaded page."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    response = axe.run(page, options=options).response
    return [v for v in response["violations"] if v["impact"] in AXE_FAILING_IMPACTS]


def _describe(violations: list[dict], where: str) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]]
        lines.append(f"{v['id']} ({v['impact']}, {len(targets)} nodes) on {where}: {v['help']}; e.g. "
                     + " | ".join(targets[:4]))
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGE_IDS)
def test_no_serious_accessibility_violations(visits, axe, name, scheme):
    """axe-core finds no serious or critical WCAG 2.1 A/AA violation on the page, in either theme."""
    v = visits[name]
    try:
        v.page.emulate_media(color_scheme=scheme)
        v.page.wait_for_function("s => document.documentElement.dataset.theme === s", arg=scheme)
        # the theme's buttons fade to the new colours (CSS transitions): measure the final colours
        v.page.evaluate("""() => Promise.all(document.getAnimations().filter(a => a instanceof CSSTransition)
                                             .map(a => a.finished.catch(() => 0)))""")
        violations = axe_violations(axe, v.page)
    finally:
        v.page.emulate_media(color_scheme="light")
    assert v.external == [], f"the page asks the network for: {v.external}"  # axe-core is local
    assert not violations, f"{sum(len(x['nodes']) for x in violations)} failing nodes\n" + _describe(
        violations, f"{name} ({scheme})")
