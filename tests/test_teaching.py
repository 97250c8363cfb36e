"""The page *Teaching with this book* and the projects page keep their promises.

- every topic of every course table is covered by a cross-reference, or says *not covered*, or says
  *coming* for a chapter of the plan that is not in the table of contents yet (so a chapter that lands
  must turn its "coming" rows into references);
- every chapter of the book appears in at least one course;
- every part of the book that has chapters has at least two projects, each with a starter cell, and the
  projects page calls no written part "coming".

That each cross-reference resolves is checked by the build itself (``-W -n``: a renamed label fails it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_book import toc_files  # noqa: E402

TEACHING = ROOT / "front" / "teaching.md"
PROJECTS = ROOT / "front" / "projects.md"
ROLE = re.compile(r"\{(?:ref|prf:ref|numref|doc)\}`(?:[^`<]*<)?([^`>]+)>?`")
COMING = re.compile(r"\*coming:\*\s*chapters?\s+([\d ,and]+)")
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


def chapters_in_toc() -> dict[int, Path]:
    """Chapter number (from the file name NN-name.md) -> file, for the chapters in the table of contents."""
    return {int(p.name[:2]): p for p in toc_files(ROOT / "_toc.yml") if p.parent.name == "chapters"}


def course_rows(text: str) -> list[tuple[str, str, str]]:
    """(course, topic, cell) for every row of the course tables (the section 'Four courses')."""
    section = text.split("## Four courses", 1)[1].split("\n## ", 1)[0]
    rows, course = [], None
    for line in section.splitlines():
        if line.startswith("### "):
            course = line[4:].strip()
        elif line.startswith("| ") and not line.startswith("| Topic") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append((course, cells[0], cells[1]))
    return rows


def coming_numbers(cell: str) -> list[int]:
    return [int(n) for m in COMING.finditer(cell) for n in re.findall(r"\d+", m.group(1))]


def labels_of(chapter: Path) -> set[str]:
    text = chapter.read_text(encoding="utf-8")
    return set(re.findall(r"^\((\S+)\)=\s*$", text, re.M)) | set(re.findall(r"^:label:\s*(\S+)", text, re.M))


def check_course_rows(rows, in_toc: dict[int, Path]) -> list[str]:
    """The problems of the course tables: rows that resolve to nothing, or call a written chapter coming."""
    problems = []
    for course, topic, cell in rows:
        refs = ROLE.findall(cell)
        coming = coming_numbers(cell)
        if not refs and not coming and "not covered" not in cell:
            problems.append(f"{course} / {topic}: no reference, not 'not covered', not 'coming'")
        for n in coming:
            if n in in_toc:
                problems.append(f"{course} / {topic}: chapter {n} is written ({in_toc[n].name}) but still 'coming'")
            if not 1 <= n <= 19:
                problems.append(f"{course} / {topic}: chapter {n} is not in the plan")
    return problems


def test_every_topic_is_covered_or_honestly_marked():
    """Each course row has a cross-reference, or says 'not covered', or 'coming' for a chapter not yet written."""
    rows = course_rows(TEACHING.read_text(encoding="utf-8"))
    assert len(rows) >= 45 and len({c for c, _, _ in rows}) == 4
    assert not check_course_rows(rows, chapters_in_toc())


def test_the_row_check_rejects_dishonest_rows():
    """Negative controls: an empty row, and a 'coming' row for a chapter that is written, are both rejected."""
    in_toc = {1: Path("01-learning-problems.md")}
    assert check_course_rows([("c", "t", "lots of prose")], in_toc)
    assert check_course_rows([("c", "t", "*coming:* chapter 1")], in_toc)
    assert check_course_rows([("c", "t", "*coming:* chapters 18 and 19")], in_toc) == []
    assert check_course_rows([("c", "t", "{prf:ref}`thm-lp-bias-variance`")], in_toc) == []


def test_every_chapter_is_in_some_course():
    """Each chapter of the table of contents is referenced (its label or one of its statements) by some course row."""
    referenced = {r for _, _, cell in course_rows(TEACHING.read_text(encoding="utf-8")) for r in ROLE.findall(cell)}
    missing = [p.name for p in chapters_in_toc().values() if not labels_of(p) & referenced]
    assert not missing, "chapters that no course lists: " + ", ".join(missing)


def test_every_written_part_has_projects():
    """Each part with chapters has a projects section with at least two projects, each with a starter cell."""
    text = PROJECTS.read_text(encoding="utf-8")
    parts = {}
    for line in (ROOT / "_toc.yml").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*- caption:\s*([IVX]+)\.", line)
        if m:
            parts[ROMAN[m.group(1)]] = m.group(1)
    assert parts, "no numbered part in _toc.yml"
    sections = re.split(r"^## ", text, flags=re.M)
    for number, roman in parts.items():
        section = next((s for s in sections if s.startswith(f"Part {roman}:")), None)
        assert section is not None, f"no projects for Part {roman}"
        projects = re.split(r"^### ", section, flags=re.M)[1:]
        assert len(projects) >= 2, f"Part {roman} has {len(projects)} project(s)"
        for p in projects:
            assert "```{code-cell}" in p, f"Part {roman}, project without a starter cell: {p.splitlines()[0]}"
            assert ROLE.search(p), f"Part {roman}, project without the statement it starts from: {p.splitlines()[0]}"
    for m in re.finditer(r"^## Parts? ([IVX]+)(?:–([IVX]+))?\s*$", text, re.M):  # sections of parts still coming
        first, last = ROMAN[m.group(1)], ROMAN[m.group(2) or m.group(1)]
        written = [n for n in parts if first <= n <= last]
        assert not written, f"the projects page calls written part(s) {written} 'coming'"


def test_teaching_pages_are_in_the_book():
    """Both pages are in the front matter of the table of contents (website, PDF and Binder follow it)."""
    files = [p.relative_to(ROOT).as_posix() for p in toc_files(ROOT / "_toc.yml")]
    assert "front/teaching.md" in files and "front/projects.md" in files
