# spacekg: the front door. `make help` lists the targets.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
OUT ?= build
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help setup system-deps assets build run serve test lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

setup: ## Install the package with its test tools, and the web assets (npm, pinned lockfile)
	$(PIP) install --quiet --disable-pip-version-check -e ".[dev]"
	$(MAKE) assets

assets: ## Install the browser's JavaScript libraries from the npm lockfile and copy them into static/
	@if [ -f server/package-lock.json ]; then \
	  cd server && npm ci --no-audit --no-fund --loglevel=error && \
	  node copy-vendor.js; \
	fi

system-deps: ## Install what the tests need outside Python: Chromium (browser tests), a Java runtime (HermiT), Virtuoso (store tests)
	@command -v chromium >/dev/null 2>&1 || command -v /usr/bin/chromium >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    echo "warning: could not install chromium; browser tests will be skipped"; }
	@command -v java >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) || \
	    echo "warning: could not install Java; the consistency check will be skipped"; }
	@command -v virtuoso-t >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null) || \
	    echo "warning: could not install virtuoso-opensource; the Virtuoso store tests will be skipped"; }

build: setup ## Build the knowledge graph into $(OUT)/ (N-Quads, TriG, Turtle, JSON-LD, report)
	spacekg build --out $(OUT)

run: build ## Build the graph and serve it (SPARQL endpoint + browser) on http://$(HOST):$(PORT)/
	spacekg serve --host $(HOST) --port $(PORT) --build-dir $(OUT)

lint: ## ruff
	ruff check src tests benchmarks

test: setup system-deps ## Install everything and run the whole test suite (lint, unit, corpus, conformance, browser)
	ruff check src tests benchmarks
	$(PYTHON) -m pytest

bench: build ## Print the benchmark figures (build, SPARQL, browser, reasoning)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PYTHON) $$b; done

clean: ## Remove build output and the embedded store
	rm -rf $(OUT) store .pytest_cache
