# `make` builds every edition into dist/; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := book.yaml $(shell find chapters data styles book layouts images -type f -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: all pdf epub test test-fast fuzz bench check clean watch screenshot system-build system-test

all: dist/.built

# System packages (Pango, fonts; for the tests poppler, qpdf, EPUBCheck, Ghostscript, chromium, Ace ...):
# installed with apt-get/npm when run as root, otherwise one line says what to run.
system-build:
	@tools/system-deps.sh build

system-test:
	@tools/system-deps.sh test

$(STAMP): pyproject.toml | system-build
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

dist/.built: $(STAMP) $(SOURCES) | system-build
	$(PY) build.py build
	touch $@

pdf: $(STAMP)
	$(PY) build.py build print letter brochure booklet

epub: $(STAMP)
	$(PY) build.py build ebook

check: $(STAMP)
	$(PY) build.py check

watch: $(STAMP)
	$(PY) build.py watch

# One worker more than cores: a worker waiting on EPUBCheck's JVM, Ace's browser or a forked hostile case leaves
# its core to the spare one (2 cores: 320 s with three workers, 337 s with two).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

test: system-test $(STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The inner loop: the pure stages (config, Markdown, ids, links, numbering, tables, sandbox) without a layout
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" tests/test_units.py tests/test_markdown.py tests/test_sandbox.py

fuzz: $(STAMP)
	GUIDEBOOK_FUZZ_EXAMPLES=500 $(PY) -m pytest -q tests/test_fuzz.py

bench: $(STAMP)
	$(PY) bench/run.py

# How the ebook reads on a 360 px phone screen (needs Debian's chromium): dist/ebook-360px.png
screenshot: dist/.built
	rm -rf dist/.epub-view && mkdir -p dist/.epub-view && cd dist/.epub-view && unzip -q ../koa-stem-cells-korea-ebook.epub
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
	  --no-first-run --user-data-dir=dist/.epub-view/profile --window-size=360,3000 --hide-scrollbars \
	  --screenshot=dist/ebook-360px.png file://$(CURDIR)/dist/.epub-view/EPUB/treatment-in-korea.xhtml
	rm -rf dist/.epub-view

clean:
	rm -rf dist .cache
