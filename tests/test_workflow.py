"""The publishing workflow (``.github/workflows/``), checked here because it cannot run here.

``actionlint`` (pinned in ``requirements.txt``; the package installs the binary into the venv)
checks every workflow file: syntax, job and step keys, expressions and contexts, ``needs``,
permissions, the inputs of the official actions. Any finding fails. A deliberately broken
workflow shows that actionlint does flag mistakes. The publish workflow must call the build as
CI does (``.ci/run``, ``make pdf``) rather than copy its commands, publish ``_build/html`` with
the official Pages actions, attach ``book.pdf`` to a release on a tag ``v*``, and name no
repository (a fork publishes itself).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import IN_CI, ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
PUBLISH = ROOT / ".github" / "workflows" / "publish.yml"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _actionlint() -> str:
    """The venv's actionlint (requirements.txt); skip if absent, fail under CI=true."""
    path = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if path is None:
        if IN_CI:
            pytest.fail("actionlint is not installed (CI=true: it is pinned in requirements.txt)")
        pytest.skip("actionlint is not installed")
    return path


def _lint(path: Path) -> subprocess.CompletedProcess:
    # shellcheck and pyflakes are not used even when installed, so every machine gives the same result
    return subprocess.run([_actionlint(), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", str(path)],
                          capture_output=True, text=True, cwd=ROOT)


def _workflow(path: Path = PUBLISH) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def _steps(wf: dict):
    for name, job in wf["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def test_there_is_a_publish_workflow():
    assert PUBLISH in WORKFLOWS, f"no {PUBLISH.relative_to(ROOT)}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_finds_nothing(path):
    """actionlint reports no finding in the workflow file."""
    out = _lint(path)
    assert out.returncode == 0 and not out.stdout.strip(), f"actionlint:\n{out.stdout}{out.stderr}"


BROKEN = """\
name: broken
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v7
      - run: echo "${{ github.nonexistent_context_value }}"
      - uses: actions/upload-pages-artifact@v5
        with:
          pathh: _build/html
  deploy:
    needs: biuld
    runs-on: ubuntu-latest
    steps:
      - uses: actions/deploy-pages@v5
"""


def test_actionlint_flags_a_broken_workflow(tmp_path):
    """Negative control: a misspelled input, an unknown job in needs and an unknown context property are all reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    out = _lint(broken)
    assert out.returncode != 0, "actionlint passed a broken workflow"
    for expected in ("pathh", "biuld", "nonexistent_context_value"):
        assert expected in out.stdout, f"actionlint did not report {expected!r}:\n{out.stdout}"


def test_publish_workflow_calls_the_build_instead_of_copying_it():
    """The build steps are `.ci/run` (install and make test) then `make pdf`, in that order; no step repeats their commands."""
    wf = _workflow()
    runs = [(job, step["run"]) for job, step in _steps(wf) if "run" in step]
    build = [r for job, r in runs if job == "build"]
    ci = [i for i, r in enumerate(build) if re.search(r"^\s*bash \.ci/run\s*$", r, re.M)]
    pdf = [i for i, r in enumerate(build) if re.search(r"^\s*make pdf\s*$", r, re.M)]
    assert ci and pdf and ci[0] < pdf[0], f"the build job must run `bash .ci/run` then `make pdf`: {build}"
    copied = re.compile(r"pytest|jupyter-book|build_book\.py|check_pdf\.py|latexmk|xelatex|pip install|"
                        r"vendor_thebe|npm (pack|install)|make (test|book)\b|texlive|chromium")
    for job, script in runs:
        assert not copied.search(script), f"job {job} copies a build command instead of calling make/.ci/run:\n{script}"


def test_publish_workflow_publishes_site_and_pdf():
    """On main: _build/html to GitHub Pages with the official actions; on a tag v*: book.pdf attached to the release."""
    wf = _workflow()
    on = wf["on"]
    assert on["push"]["branches"] == ["main"] and "v*" in on["push"]["tags"]
    uses = {job: [s.get("uses", "").split("@")[0] for s in job_def.get("steps", [])] for job, job_def in wf["jobs"].items()}
    build_steps = wf["jobs"]["build"]["steps"]
    pages = [s for s in build_steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert pages and pages[0]["with"]["path"] == "_build/html"
    order = [s.get("run", s.get("uses", "")) for s in build_steps]
    assert order.index(next(o for o in order if "make pdf" in o)) < order.index(pages[0]["uses"]), \
        "the site must be uploaded after make pdf put book.pdf and the handouts into it"
    deploy = wf["jobs"]["deploy"]
    assert "actions/deploy-pages" in uses["deploy"] and deploy["needs"] == "build"
    assert deploy["if"].replace(" ", "") == "github.ref=='refs/heads/main'"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    release = wf["jobs"]["release"]
    assert "refs/tags/v" in release["if"] and release["permissions"] == {"contents": "write"}
    pdf_upload = [s for s in build_steps if s.get("uses", "").startswith("actions/upload-artifact@")
                  and s["with"]["path"] == "_build/latex/book.pdf"]
    assert pdf_upload, "the build job does not hand book.pdf to the release job"
    assert any("gh release upload" in s.get("run", "") and "book.pdf" in s["run"] for s in release["steps"])


def test_publish_workflow_names_no_repository():
    """A fork publishes itself: the workflow takes the repository from GitHub's context, never from a URL or name."""
    text = PUBLISH.read_text(encoding="utf-8")
    repo = CONFIG["repository"]["url"].rstrip("/").split("github.com/")[1]
    assert repo.lower() not in text.lower() and repo.split("/")[0].lower() not in text.lower()
    assert "github.com/" not in text
