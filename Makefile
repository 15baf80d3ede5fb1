# The README's two commands: `make run` and `make test`. Both set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLES ?= tests/data/seeds
CHROMIUM := /usr/bin/chromium
COMPOSE := /usr/bin/docker-compose
APT_STAMP := /var/lib/apt/periodic/.sitesearch-apt-updated
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test setup browser compose lint bench bench-data lemmas clean

# --- set-up --------------------------------------------------------------------------------
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

setup: $(STAMP)

$(APT_STAMP):
	apt-get update -qq
	@mkdir -p $(dir $@) && touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser: $(CHROMIUM) $(AXE)
$(CHROMIUM): | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# axe-core, which the browser tests inject to check accessibility (npm, from package-lock.json).
$(AXE): package.json package-lock.json | $(APT_STAMP)
	@command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's docker-compose (Compose 1.29) to validate docker-compose.yml: `config` needs no
# container engine, which these machines do not have.
compose: $(COMPOSE)
$(COMPOSE): | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null

# --- the two commands ----------------------------------------------------------------------
# The sample site is small: it is served with lay-language (hybrid) search, the e5 model
# (when its wheel installed; a setting of your own wins).
run: export SITESEARCH_EMBEDDING_MODEL ?= e5
run: setup
	$(BIN)/sitesearch ingest $(SAMPLES)
	$(BIN)/sitesearch serve --host 127.0.0.1 --port 8000

test: setup browser compose
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(PY) -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# --- benchmarks (real Dutch HTML from Debian's packages, never committed; wrk drives the API) --
bench-data: | $(APT_STAMP)
	@test -d /usr/share/gimp/2.0/help/nl || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gimp-help-nl >/dev/null
	@test -d /usr/share/doc/debian/FAQ/nl || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debian-faq-nl >/dev/null
	@command -v wrk >/dev/null || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

# The Dutch lemma supplement (indexer/nlp/data/lemmas_nl.tsv, committed) made again from
# Debian's hunspell-nl (OpenTaal) and spacy-lookups-data; only needed to change it.
HUNSPELL_NL := /usr/share/hunspell/nl.dic
lemmas: setup $(HUNSPELL_NL)
	$(PY) -m bench.lemmas build
$(HUNSPELL_NL): | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hunspell-nl >/dev/null

bench: setup bench-data
	$(PY) -m bench.ingest
	$(PY) -m bench.ingest --crawled
	$(PY) -m bench.search
	$(PY) -m bench.search --pages 20000
	$(PY) -m bench.relevance --check --lay
	$(PY) -m bench.semantic
	$(PY) -m bench.api
	$(PY) -m bench.api --visitors
	$(PY) -m bench.api --overlap-attack
	$(PY) -m bench.api --slow-clients 16
	$(PY) -m bench.overlap
	$(PY) -m bench.crawl
	$(PY) -m bench.reindex

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache node_modules
