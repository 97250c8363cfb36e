"""The Verified-claims mechanism: claim marks in tests are collected, and each names a real statement."""

from __future__ import annotations

import html
import re
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))
import nnbook  # noqa: E402
from build_book import toc_files  # noqa: E402

BOOK_PAGES = [p for p in toc_files(ROOT / "_toc.yml") if p.is_file()]
STATEMENT = re.compile(r"\{prf:(theorem|lemma|proposition|corollary|definition|conjecture|algorithm|example)\}"
                       r"[^\n]*\n(?::[a-z]+:[^\n]*\n)*?:label:\s*(\S+)")


def statement_labels(files) -> set[str]:
    return {m.group(2) for f in files for m in STATEMENT.finditer(Path(f).read_text(encoding="utf-8"))}


def test_every_claim_names_a_statement_of_the_book():
    """Every ``claim`` mark in tests/ names the label of a prf statement in a chapter of the table of contents."""
    claims = nnbook.collect_claims()
    assert claims, "no test declares a claim"
    known = statement_labels(BOOK_PAGES)
    dangling = sorted(f"{c.label} ({c.test})" for c in claims if c.label not in known)
    assert not dangling, "claims naming no statement of the book: " + ", ".join(dangling)


def test_every_claim_test_says_what_it_asserts():
    """Every claim-marked test has a docstring, shown on the Verified-claims page."""
    missing = sorted({c.test for c in nnbook.collect_claims() if not c.asserts})
    assert not missing, "claim tests without a docstring: " + ", ".join(missing)


def test_collect_claims_reads_marks(tmp_path):
    """collect_claims finds stacked and multi-label marks with the first sentence of the docstring."""
    (tmp_path / "test_fake.py").write_text(textwrap.dedent('''
        import pytest

        @pytest.mark.claim("thm-a", "thm-b")
        @pytest.mark.parametrize("n", [1, 2])
        def test_one(n):
            """Asserts one thing. And more."""

        @pytest.mark.slow
        def test_two():
            pass

        class TestGroup:
            @pytest.mark.claim("lem-c")
            def test_three(self):
                """Asserts three."""
    '''))
    claims = nnbook.collect_claims(tmp_path)
    assert [(c.label, c.test.split("::")[1], c.asserts) for c in claims] == [
        ("thm-a", "test_one", "Asserts one thing."),
        ("thm-b", "test_one", "Asserts one thing."),
        ("lem-c", "test_three", "Asserts three."),
    ]


def test_claim_label_must_be_a_literal(tmp_path):
    """A claim label computed at run time cannot be listed, so it is rejected."""
    (tmp_path / "test_bad.py").write_text('import pytest\nL = "x"\n@pytest.mark.claim(L)\ndef test_x():\n    pass\n')
    with pytest.raises(ValueError, match="string literals"):
        nnbook.collect_claims(tmp_path)


def test_a_dangling_claim_is_detected(tmp_path):
    """A claim whose label is not defined in the book is reported by the label check."""
    (tmp_path / "test_bad.py").write_text(
        'import pytest\n@pytest.mark.claim("thm-no-such-statement")\ndef test_x():\n    """X."""\n')
    claims = nnbook.collect_claims(tmp_path)
    assert [c.label for c in claims if c.label not in statement_labels(BOOK_PAGES)] == ["thm-no-such-statement"]


def test_claims_markdown_links_each_claim():
    """The generated page links each claim with prf:ref under its chapter's title."""
    chapters = sorted((ROOT / "chapters").glob("*.md"))
    labels = nnbook.collect_labels(chapters)
    claims = [c for c in nnbook.collect_claims() if c.label in labels]
    text = nnbook.claims_markdown(claims, labels, [p.stem for p in chapters])
    for c in claims:
        assert f"{{prf:ref}}`{c.label}`" in text and c.test in text
    assert "## Learning problems" in text


# ----------------------------------------------------------------------------- mathematics in claims
# The rule (README, chapter anatomy): the first sentence of a claim test's docstring writes its
# mathematics as inline math in `$...$` and names of code in backticks; `nnbook.math_residue` reports
# ASCII or Unicode mathematics left outside them (||, |, ^, sqrt(, <=, >=, ->, *, x_t, x = 1, eps, σ, ...).
def test_claim_docstrings_write_mathematics_as_math():
    """No claim docstring's first sentence (shown on Verified claims) has mathematics outside $...$ or backticks."""
    bad = sorted({f"{c.test}: {nnbook.math_residue(c.asserts)}" for c in nnbook.collect_claims()
                  if nnbook.math_residue(c.asserts)})
    assert not bad, f"{len(bad)} claim docstrings write mathematics as text (use $...$):\n" + "\n".join(bad)


@pytest.mark.parametrize("doc, residue", [
    ("The interpolant meets sup error <= h^2 ||f''|| / 8.", ["<=", "^", "||"]),
    ("Adam's step is -lr sign(g) with eps = 0 and x_t -> 1.", ["->", "eps =", "x_t"]),
    ("The rate is 1/sqrt(n) for beta2 near 1.", ["beta2", "sqrt("]),
    ("Unicode is no way out: σ² ≤ 1.", ["²", "σ", "≤"]),
    ("An unpaired $x^2 dollar.", ["$", "^"]),
    ("Bound $\\norm{f''} h^2/8$ on `relu_net(x, **kw)` holds for $x_t \\to 1$, i.i.d. draws, as proved.", []),
])
def test_math_residue_finds_ascii_mathematics(tmp_path, doc, residue):
    """Negative control: ASCII mathematics in a synthetic claim docstring is found; math in $...$ and code in backticks are not."""
    (tmp_path / "test_fake.py").write_text(
        f'import pytest\n@pytest.mark.claim("thm-x")\ndef test_x():\n    r"""{doc} Second sentence x^2."""\n')
    (claim,) = nnbook.collect_claims(tmp_path)
    assert claim.asserts == doc  # the first sentence: not cut inside $...$, backticks or at "i.i.d."
    assert nnbook.math_residue(claim.asserts) == residue


@pytest.mark.book
def test_claim_mathematics_is_typeset_on_the_page(built_book):
    """Every $...$ of a claim shown on the Verified-claims page is a math element (MathJax), no dollar is left."""
    page = (built_book.html / "back/verified-claims.html").read_text(encoding="utf-8")
    main = page[page.find("<main"):page.rfind("</main>")]
    labels = nnbook.collect_labels(BOOK_PAGES)
    snippets = {m.group(1).strip() for c in nnbook.collect_claims() if c.label in labels
                for m in nnbook.INLINE_MATH.finditer(c.asserts)}
    assert snippets
    missing = sorted(s for s in snippets
                     if f'<span class="math notranslate nohighlight">\\({html.escape(s, quote=False)}\\)</span>' not in main)
    assert not missing, f"{len(missing)} claim formulas not typeset as math, e.g. {missing[:5]}"
    assert "$" not in re.sub(r"<script.*?</script>", "", main, flags=re.S)


@pytest.mark.book
def test_verified_claims_page_lists_every_claim(built_book):
    """The built Verified-claims page has a working link to every claimed statement of the book."""
    html = (built_book.html / "back/verified-claims.html").read_text(encoding="utf-8")
    for c in nnbook.collect_claims():
        assert f'href="../{nnbook.collect_labels(BOOK_PAGES)[c.label].relative_to(ROOT).with_suffix(".html").as_posix()}#{c.label}"' in html, c.label
        assert c.test in html


# ----------------------------------------------------------------------------- macros
def test_macros_are_well_formed():
    """macros.yml defines each macro once, with a meaning, and yields a LaTeX definition for each."""
    macros = nnbook.load_macros()
    assert len({m.name for m in macros}) == len(macros) >= 10
    preamble = nnbook.latex_preamble(macros)
    for m in macros:
        assert f"\\renewcommand{{\\{m.name}}}" in preamble
        assert m.meaning


def test_duplicate_macro_is_rejected(tmp_path):
    """A macro defined twice in the macro file is an error naming it."""
    f = tmp_path / "m.yml"
    f.write_text("- {name: R, tex: 'a', meaning: x}\n- {name: R, tex: 'b', meaning: y}\n")
    with pytest.raises(ValueError, match="'R' is defined twice"):
        nnbook.load_macros(f)


@pytest.mark.book
def test_macros_reach_mathjax_and_notation_page(built_book):
    """Every macro is in the MathJax configuration of the pages and in the table of the notation page."""
    notation = (built_book.html / "front/notation.html").read_text(encoding="utf-8")
    for m in nnbook.load_macros():
        assert f'"{m.name}": ' in notation, m.name
        assert m.meaning.split("$")[0][:20] in notation, m.name
