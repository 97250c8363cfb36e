# Mathematics of Deep Neural Networks: build, test, benchmark.
#   make book    the website in _build/html, every chapter executed
#   make test    the whole test suite (builds the book once)
# Both create .venv with the pinned requirements and nnmath on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
MATHJAX_SRC = $(shell $(PY) -c "import importlib.metadata as m; d = m.distribution('sphinx-mathjax-offline'); print(d.locate_file('sphinx-mathjax-offline/static/mathjax'))")
MATHJAX := _vendor/_static/mathjax/tex-mml-chtml.js
THEBE   := _vendor/_static/thebe/index.js

.PHONY: book test chapter pdf binder-check bench mutation clean help venv
.DEFAULT_GOAL := help

help:
	@echo "make book              build the website into _build/html (executes every chapter)"
	@echo "make test              run the whole test suite"
	@echo "make chapter CH=FILE   run one chapter (FILE, e.g. chapters/01-learning-problems.md) and build it alone"
	@echo "make pdf               build the PDF of the whole book into _build/latex/book.pdf, and a handout per chapter (needs TeX Live, qpdf)"
	@echo "make binder-check      run every chapter in a fresh venv made from binder/ alone"
	@echo "make bench             write the speed report bench/report.md"
	@echo "make mutation          mutation-test nnmath (mutmut), report in bench/mutation.md (MODULES=\"learning optim\" for some)"
	@echo "make clean             remove _build"

$(STAMP): requirements.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install --no-deps -e .
	touch $@

venv: $(STAMP)

# MathJax 3 served from the site itself (no CDN): copied from the pinned sphinx-mathjax-offline wheel.
$(MATHJAX): $(STAMP)
	rm -rf _vendor/_static/mathjax && mkdir -p _vendor/_static
	cp -r "$(MATHJAX_SRC)" _vendor/_static/mathjax
	test -f $@ && touch $@

# Thebe (Live code) served from the site itself: the npm package at the version and sha512 pinned in
# tools/vendor_thebe.py, fetched with `npm pack` (the npm registry only), never a CDN.
$(THEBE): tools/vendor_thebe.py $(STAMP)
	$(PY) tools/vendor_thebe.py --force
	test -f $@ && touch $@

book: $(STAMP) $(MATHJAX) $(THEBE)
	$(PY) tools/build_book.py

test: $(STAMP) $(MATHJAX) $(THEBE)
	$(PY) -m pytest

chapter: $(STAMP) $(MATHJAX) $(THEBE)
	@test -n "$(CH)" || (echo "usage: make chapter CH=chapters/NN-name.md" && exit 2)
	$(PY) tools/run_chapter.py $(CH)
	$(PY) tools/build_book.py --only $(CH)

# The PDF. LaTeX never waits at its prompt and stops at the first error; the error is shown with
# the chapter file and line it comes from; a failed run leaves no PDF behind and no _build/latex
# (latexmk would otherwise say "nothing to do" next time). latexmk exits 0 on undefined
# references: tools/check_pdf.py reads the log and fails on them.
LATEXOPTS := -interaction=nonstopmode -halt-on-error -file-line-error
# Then one handout per numbered chapter, cut out of book.pdf (tools/handouts.py, needs qpdf):
# _build/latex/handouts/STEM.pdf, copied into the site's handouts/ like book.pdf.
pdf: $(STAMP) $(MATHJAX)
	rm -rf _build/latex/book.pdf _build/html/book.pdf _build/latex/handouts _build/html/handouts
	LATEXOPTS="$(LATEXOPTS)" $(PY) tools/build_book.py --builder pdflatex </dev/null \
	  || { $(PY) tools/check_pdf.py --explain; rm -rf _build/latex; exit 1; }
	$(PY) tools/check_pdf.py || { rm -f _build/latex/book.pdf; exit 1; }
	if [ -d _build/html ]; then cp _build/latex/book.pdf _build/html/book.pdf; fi
	$(PY) tools/handouts.py

# Binder without Binder: a fresh venv from binder/ alone runs every chapter of the toc.
binder-check: $(STAMP)
	$(PY) tools/binder_check.py

bench: $(STAMP) $(MATHJAX) $(THEBE)
	$(PY) tools/bench.py

# Mutation testing (a report, not part of make test or CI): mutmut in its own venv, cache in _build/mutation.
mutation: $(STAMP)
	$(PY) tools/mutation.py $(if $(MODULES),--modules $(MODULES))

clean:
	rm -rf _build
