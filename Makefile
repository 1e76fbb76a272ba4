# `make` builds every edition into dist/; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := book.yaml $(shell find chapters data styles book layouts images -type f -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: all pdf epub test fuzz bench check clean watch screenshot

all: dist/.built

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

dist/.built: $(STAMP) $(SOURCES)
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

# DAISY Ace, the EPUB accessibility checker the tests run (needs Debian's nodejs, npm and chromium; Ace drives
# chromium through puppeteer, so neither downloads a browser). Without npm the Ace test is skipped, except in CI.
ACE_STAMP := $(VENV)/.ace
$(ACE_STAMP): | $(STAMP)
	@if command -v ace-puppeteer >/dev/null; then :; \
	elif command -v npm >/dev/null; then \
	  ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm install -g --no-fund --no-audit @daisy/ace@1.4.6; \
	else echo "npm not found: DAISY Ace not installed, its test will be skipped"; fi
	@if command -v ace-puppeteer >/dev/null; then touch $@; fi

test: $(STAMP) $(ACE_STAMP)
	$(PY) -m pytest -q

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
