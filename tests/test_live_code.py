"""Live code (Thebe), end to end in a browser, offline; and the production (Binder) configuration.

A chapter page is opened in Debian's headless Chromium (the machinery of ``test_browser.py``:
the built site on 127.0.0.1, every other address blocked). A local Jupyter server (the pinned
``jupyter-server``, token auth, 127.0.0.1 only, a free port, the site's origin allowed by CORS)
runs the book's own ``python3`` kernel (this venv). The page is the production page, unchanged:
its Thebe asks ``{binderhub_url}/build/gh/{repo}/{branch}`` for a server, and the test answers that
request itself, as BinderHub would ("ready", with the local server's URL and token), so nothing
leaves the machine and the request proves which repository and branch the page launches. The
test presses *Live code* in the launch menu, waits for the kernel, runs the cells above the chosen
one, edits that cell in its editor (the width of a random network), runs it, and asserts that its
output changes to the parameter count of the edited network, computed here with ``nnmath``.

It fails if Thebe is missing, if Thebe's script (or anything else) comes from outside the site,
or if the edited cell's output does not change. The built HTML of every chapter is also checked
for the production configuration: Binder URL, repository and branch from ``_config.yml``, the
chapter's kernel and folder, the site's own Thebe. The test file is separate from
``test_browser.py`` and reuses its fixtures (``site``, ``browser``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse
from urllib.request import urlopen

import pytest
import yaml

from conftest import ROOT
from test_browser import CODE_PAGES, browser, site  # noqa: F401  (fixtures, reused)

pytestmark = [pytest.mark.system, pytest.mark.book]

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPO = urlparse(CONFIG["repository"]["url"]).path.strip("/")
BRANCH = CONFIG["repository"].get("branch", "main")
BINDERHUB = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
THEBE_JS = "_static/thebe/index.js"

# The cell edited in the browser: a short cell of chapter 2 that prints the parameter count of a
# random ReLU network; its width is changed from 6 to 7.
CHAPTER = "chapters/02-feedforward-networks"
MARKER = "random_relu_network(input_dim=1, width=6, depth=3, bias_std=0.5, seed=1)"
OLD, NEW = "width=6", "width=7"
OUTPUT = re.compile(r"parameters: (\d+)")


def n_params(width: int) -> int:
    """What the cell prints as ``parameters:`` for this width (computed with nnmath, outside the browser)."""
    from nnmath import tropical as tp

    W, b = tp.random_relu_network(input_dim=1, width=width, depth=3, bias_std=0.5, seed=1)
    return sum(w.size + c.size for w, c in zip(W, b))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter(site, tmp_path_factory):
    """A Jupyter server on 127.0.0.1 with the book's kernel, token auth, CORS for the site only."""
    pytest.importorskip("jupyter_server")
    home = tmp_path_factory.mktemp("jupyter")
    token, port = secrets.token_hex(24), _free_port()
    origin = site.rstrip("/")
    (home / "config").mkdir()
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"ip": "127.0.0.1", "port": port, "port_retries": 0, "open_browser": False,
                      "allow_origin": origin, "allow_remote_access": False, "root_dir": str(ROOT),
                      "allow_root": True, "terminals_enabled": False,
                      "jpserver_extensions": {"jupyterlab_jupytext": False}},
        "IdentityProvider": {"token": token},
    }))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"), OMP_NUM_THREADS="1")
    log = open(home / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter_server"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail("the Jupyter server exited:\n" + (home / "server.log").read_text()[-3000:])
            try:
                with urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail("the Jupyter server did not start in 180 s:\n" + (home / "server.log").read_text()[-3000:])
            time.sleep(0.3)
        yield {"base": base, "token": token, "log": home / "server.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_live_code_runs_an_edited_cell_on_a_local_kernel(site, browser, jupyter):
    """Live code: press the launch menu's Live code, edit the width in a cell, run it, and the page shows the new parameter count."""
    old_value, new_value = n_params(6), n_params(7)
    assert old_value != new_value
    site_origin = site.rstrip("/")
    binder_build = f"{BINDERHUB}/build/gh/{REPO}/{BRANCH}"
    asked_binder, external, errors, thebe_scripts = [], [], [], []

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def route(r):
        url = r.request.url
        if url.startswith(BINDERHUB + "/build/"):
            # BinderHub's event stream, answered here: the server is "ready" at the local Jupyter server
            asked_binder.append(url)
            ready = {"phase": "ready", "url": jupyter["base"] + "/", "token": jupyter["token"], "message": "local"}
            r.fulfill(status=200, body=f"data: {json.dumps(ready)}\n\n",
                      headers={"Content-Type": "text/event-stream", "Access-Control-Allow-Origin": site_origin})
        elif url.startswith(site_origin + "/") or url.startswith(jupyter["base"] + "/"):
            r.continue_()
        else:
            external.append(url)
            r.abort("blockedbyclient")

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("request", lambda q: thebe_scripts.append(q.url) if "thebe" in q.url and q.resource_type == "script" else None)
    try:
        page.goto(urljoin(site, CHAPTER + ".html"), wait_until="load")
        # Thebe is configured, and its script is the site's own copy
        thebe_url = page.evaluate("() => typeof THEBE_JS_URL === 'string' ? new URL(THEBE_JS_URL, document.baseURI).href : null")
        assert thebe_url == urljoin(site, THEBE_JS), f"Thebe's script is {thebe_url!r}, not the site's {THEBE_JS}"

        page.locator(".dropdown-launch-buttons button").first.click()
        page.get_by_text("Live Code", exact=True).click()
        page.wait_for_function("() => window.thebe && window.thebe.session && window.thebe.session.kernel"
                               " && window.thebe.session.kernel.status === 'idle'", timeout=180_000)
        assert asked_binder == [binder_build], f"Thebe asked BinderHub for {asked_binder}, expected {binder_build}"
        assert all(u.startswith(site_origin + "/_static/thebe/") for u in thebe_scripts if "/thebe/" in u), thebe_scripts

        # run the cells above the chosen one (its imports), as a reader would
        index = page.evaluate("marker => window.thebe.notebook.cells.findIndex(c => c.source.includes(marker))", MARKER)
        assert index >= 0, f"no cell of {CHAPTER} contains {MARKER!r} (update the test's cell)"
        for i in range(index):
            page.evaluate("async i => { await window.thebe.notebook.cells[i].execute(); }", i)
        cell = page.locator(".thebe-cell").nth(index)

        def shown() -> str:  # the cell's output area, as shown on the page ("" if it is not in the page)
            return page.evaluate("""i => { const n = window.thebe.notebook.cells[i].area.node;
                                           return document.body.contains(n) ? n.innerText : ''; }""", index)

        # the executed output the site shows for the unedited cell (Thebe clears it when it takes the cell over)
        built = (ROOT / "_build" / "html" / f"{CHAPTER}.html").read_text(encoding="utf-8")
        assert f"parameters: {old_value}" in built and f"parameters: {new_value}" not in built
        assert f"parameters: {new_value}" not in shown()

        # edit the cell in its editor: put the cursor after "width=6", delete the 6, type 7
        editor = cell.locator(".CodeMirror").first
        editor.click()
        page.evaluate("""([i, old]) => { const cm = document.querySelectorAll('.thebe-cell')[i].querySelector('.CodeMirror').CodeMirror;
                           const at = cm.getValue().indexOf(old); cm.focus(); cm.setCursor(cm.posFromIndex(at + old.length)); }""",
                      [index, OLD])
        page.keyboard.press("Backspace")
        page.keyboard.type(NEW[-1])
        source = page.evaluate("i => window.thebe.notebook.cells[i].source", index)
        assert NEW in source and OLD not in source, f"the edit did not reach the cell: {source!r}"

        cell.locator("button[title='run this cell']").click()
        page.wait_for_function("""([i, want]) => { const n = window.thebe.notebook.cells[i].area.node;
                                    return document.body.contains(n) && /parameters: \\d+/.test(n.innerText); }""",
                               arg=[index, str(new_value)], timeout=120_000)
        after = OUTPUT.findall(shown())
        assert after == [str(new_value)], f"the output after the edit: {shown()!r}"
        assert external == [], f"the page asked the network for: {external}"
        assert errors == [], errors
    finally:
        context.close()


@pytest.mark.parametrize("name", [p["docname"] for p in CODE_PAGES])
def test_production_live_code_configuration(built_book, name):
    """Each chapter page with code starts Thebe on Binder with the repository, branch and kernel of _config.yml, from the site's own Thebe."""
    assert built_book.returncode == 0, built_book.output[-3000:]
    html = (built_book.html / f"{name}.html").read_text(encoding="utf-8")
    m = re.search(r'<script type="text/x-thebe-config">(.*?)</script>', html, re.S)
    assert m, "no Thebe configuration on the page"
    config = json.loads(m.group(1))
    assert config["useBinder"] is True and config["requestKernel"] is True
    assert config["binderOptions"] == {"repo": REPO, "ref": BRANCH, "binderUrl": BINDERHUB, "repoProvider": "github"}
    assert config["kernelOptions"]["kernelName"] == "python3"
    assert config["kernelOptions"]["path"] == str(Path(name).parent)
    assert config["mathjaxUrl"] == ""  # no MathJax 2 from a CDN for LaTeX outputs
    depth = name.count("/")
    assert f'const THEBE_JS_URL = "{"../" * depth}{THEBE_JS}"' in html
    assert "unpkg.com" not in html and "cdn.jsdelivr" not in html
    assert 'src="' + "../" * depth + "_static/nnbook-thebe.js" in html
    assert (built_book.html / THEBE_JS).is_file(), "Thebe is not in the site (tools/vendor_thebe.py)"
    # Binder builds the environment of binder/ (repo2docker reads that folder)
    assert (ROOT / "binder" / "requirements.txt").is_file()
