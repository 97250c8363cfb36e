"""Binder: what ``binder/`` declares, and a fresh environment made from it alone runs every chapter.

The fast tests read the files: the pins are those of ``requirements.txt``, torch is the CPU
build from PyTorch's index, Python is the book's, ``postBuild`` installs nnmath and makes
jupytext open ``.md`` chapters as notebooks, and the launch buttons point at the repository
named in ``_config.yml``. The slow test (``tools/binder_check.py``) builds a new virtual
environment from ``binder/`` as repo2docker would (offline: PyTorch's index line is dropped and
pip finds the same ``+cpu`` wheel locally), runs ``postBuild``, and executes every chapter of
``_toc.yml`` with nbclient in that environment's kernel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import binder_check  # noqa: E402

BINDER = ROOT / "binder"


def _pins(path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*==\s*(\S+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_binder_pins_are_the_books():
    """Every package Binder installs is pinned to the version the book is built and tested with."""
    binder, book = _pins(BINDER / "requirements.txt"), _pins(ROOT / "requirements.txt")
    assert binder, "binder/requirements.txt pins nothing"
    for name, version in binder.items():
        assert name in book, f"{name} is not in requirements.txt"
        assert version.split("+")[0] == book[name], f"{name}: Binder {version}, book {book[name]}"
    for needed in ("torch", "numpy", "scipy", "matplotlib", "scikit-learn", "myst-nb", "jupytext", "ipykernel"):
        assert needed in binder, f"binder/requirements.txt lacks {needed}"


def test_torch_is_the_cpu_build_from_pytorchs_index():
    text = (BINDER / "requirements.txt").read_text()
    assert re.search(r"^--extra-index-url https://download\.pytorch\.org/whl/cpu\s*$", text, re.M)
    assert not re.search(r"^--index-url", text, re.M), "--index-url would replace PyPI for every package"
    assert _pins(BINDER / "requirements.txt")["torch"].endswith("+cpu"), "without +cpu pip may take the CUDA build"
    offline = binder_check.offline_requirements(text)
    assert "download.pytorch.org" not in offline and "torch==" in offline


def test_binder_python_is_the_books():
    assert binder_check.runtime_python() == sys.version_info[:2]


def test_postbuild_installs_nnmath_and_jupytext_viewer():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "postBuild must be executable"
    text = post.read_text()
    assert re.search(r"pip install .*-e \.", text)
    assert re.search(r"^jupytext-config set-default-viewer markdown", text, re.M)


def test_launch_buttons_point_at_the_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", config["repository"]["url"])
    assert config["repository"].get("branch") == "main"  # jupyter-book's default is master
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"].get("notebook_interface") == "jupyterlab"
    assert not list((ROOT / "chapters").glob("*.ipynb")), "an .ipynb beside a chapter redirects its launch button"


@pytest.mark.book
@pytest.mark.system
def test_fresh_binder_environment_runs_every_chapter():
    """A new venv from binder/ alone (PyTorch's index replaced by the local wheel) runs each chapter."""
    chapters = binder_check.chapters_with_code()
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "binder_check.py")], cwd=ROOT,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    for chapter in chapters:
        assert re.search(rf"\[binder\] ok\s+{re.escape(str(chapter))}", out), f"{chapter} not run:\n{out[-3000:]}"
    assert "torch 2.13.0+cpu" in out
