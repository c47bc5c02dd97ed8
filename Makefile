# spacekg: the front door. `make help` lists the targets.
#
# Everything Python runs in the project's virtual environment .venv (created with
# `python3 -m venv`; Debian/Ubuntu refuse `pip install` into the system Python). make's own
# dependency tracking skips what has not changed: the install (a stamp newer than
# pyproject.toml), the browser's JavaScript (newer than the npm lockfile) and the build
# (build/spacekg.nq newer than the sources, lexicon, rules, curated statements, ontology,
# shapes and pipeline code).
SYSTEM_PYTHON ?= python3
VENV ?= .venv
OUT ?= build
HOST ?= 127.0.0.1
PORT ?= 8000

PY := $(VENV)/bin/python
SPACEKG := $(VENV)/bin/spacekg
INSTALLED := $(VENV)/.installed
VENDOR := src/spacekg/server/static/vendor/.installed
GRAPH := $(OUT)/spacekg.nq
# what the build reads (the web server's code and assets do not change the graph)
BUILD_INPUTS := $(shell find data ontology shapes src -type f \
	-not -path '*/__pycache__/*' -not -path 'src/spacekg/server/*' -not -name '*.pyc' 2>/dev/null)
# `make run` passes --port only when PORT was given; otherwise serve may move to a free port
PORT_ARG := $(if $(filter command line environment,$(origin PORT)),--port $(PORT),--port $(PORT) --port-fallback)
ROOT_USER := $(shell [ "$$(id -u)" = 0 ] && echo yes)
APT := DEBIAN_FRONTEND=noninteractive apt-get
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: help setup system-deps assets build run serve test lint bench clean

help: ## List the targets
	@echo "spacekg — make targets (HOST=$(HOST) PORT=$(PORT) OUT=$(OUT) VENV=$(VENV)):"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14 | \
	  sed -e 's|%HOST%|$(HOST)|g' -e 's|%PORT%|$(PORT)|g' -e 's|%OUT%|$(OUT)|g' -e 's|%VENV%|$(VENV)|g'

setup: $(INSTALLED) $(VENDOR) ## Create %VENV%/ and install the package, its test tools and the web assets (once)

$(PY):
	@$(SYSTEM_PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  if [ "$(ROOT_USER)" = yes ] && command -v apt-get >/dev/null; then \
	    echo "python3 -m venv needs python3-venv: installing it"; \
	    $(APT) update -qq && $(APT) install -y -qq python3-venv >/dev/null && $(SYSTEM_PYTHON) -m venv $(VENV); \
	  else \
	    echo "error: '$(SYSTEM_PYTHON) -m venv $(VENV)' failed; install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv)" >&2; \
	    exit 2; \
	  fi; }

$(INSTALLED): pyproject.toml | $(PY)
	@echo "installing spacekg and its dependencies into $(VENV)/ (again only when pyproject.toml changes)"
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

assets: $(VENDOR) ## Install the browser's JavaScript libraries from the npm lockfile into static/vendor (once)

$(VENDOR): server/package-lock.json server/copy-vendor.js
	@command -v npm >/dev/null || { \
	  if [ "$(ROOT_USER)" = yes ] && command -v apt-get >/dev/null; then \
	    $(APT) update -qq && $(APT) install -y -qq npm >/dev/null; \
	  else echo "error: npm is missing (Debian/Ubuntu: sudo apt-get install npm)" >&2; exit 2; fi; }
	@echo "installing the browser's JavaScript libraries (npm lockfile) into static/vendor/"
	cd server && npm ci --no-audit --no-fund --loglevel=error && node copy-vendor.js
	@touch $@

system-deps: ## Install what the tests need outside Python (as root, apt-get): Chromium, Noto CJK fonts, Java, nginx, Virtuoso
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	{ command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; } || missing="$$missing nginx"; \
	command -v virtuoso-t >/dev/null 2>&1 || missing="$$missing virtuoso-opensource"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$(ROOT_USER)" = yes ] && command -v apt-get >/dev/null; then \
	  echo "installing:$$missing"; \
	  $(APT) update -qq && $(APT) install -y -qq $$missing >/dev/null || \
	    echo "warning: apt-get could not install$$missing; the tests needing them will be skipped"; \
	else \
	  echo "not root (or no apt-get): not installing$$missing."; \
	  case "$$missing" in *chromium*|*fonts-noto-cjk*) echo "  skipped: the browser tests (tests/e2e) need chromium and fonts-noto-cjk";; esac; \
	  case "$$missing" in *default-jre*) echo "  skipped: the HermiT consistency check needs Java";; esac; \
	  case "$$missing" in *nginx*) echo "  skipped: the reverse-proxy test needs nginx";; esac; \
	  case "$$missing" in *virtuoso*) echo "  skipped: the Virtuoso store tests need virtuoso-opensource";; esac; \
	  echo "  (sudo apt-get install$$missing, then make test again)"; \
	fi

$(GRAPH): $(INSTALLED) $(BUILD_INPUTS)
	@echo "building the graph into $(OUT)/ (again only when data/, ontology/, shapes/ or the pipeline change)"
	$(SPACEKG) build --out $(OUT)
	@touch $@

build: $(GRAPH) ## Build the knowledge graph into %OUT%/ when its inputs changed (N-Quads, TriG, Turtle, JSON-LD, report)

run: ## Build the graph (if changed) and serve it: browser http://%HOST%:%PORT%/, endpoint /sparql
	@$(SYSTEM_PYTHON) src/spacekg/server/ports.py $(HOST) $(PORT) $(if $(findstring fallback,$(PORT_ARG)),--fallback)
	@$(MAKE) -s --no-print-directory setup $(GRAPH)
	$(SPACEKG) serve --host $(HOST) $(PORT_ARG) --build-dir $(OUT)

serve: setup ## Serve the last build without rebuilding
	$(SPACEKG) serve --host $(HOST) $(PORT_ARG) --build-dir $(OUT)

lint: $(INSTALLED) ## ruff
	$(VENV)/bin/ruff check src tests benchmarks

test: setup system-deps ## Install everything and run the whole test suite (lint, unit, corpus, conformance, browser)
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest

bench: $(GRAPH) ## Print the benchmark figures (build, SPARQL, browser, reasoning)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

clean: ## Remove build output and the embedded store (keeps %VENV%/)
	rm -rf $(OUT) $(OUT).store store .pytest_cache
