# The two commands a user needs: `make serve` (build and serve the course site) and
# `make test` (the whole test suite). Both set themselves up on a fresh machine.
# The kb command is .venv/bin/kb (`source .venv/bin/activate` puts it on the PATH).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
INSTALLED = $(VENV)/.kb-installed
STAMP   = $(VENV)/.kb-ready
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export PIP_DISABLE_PIP_VERSION_CHECK = 1
export NO_MKDOCS_2_WARNING = 1
# pip installs without compiling every module of every package (--no-compile: half of its
# time, 40 s CPU); Python compiles a module the first time something imports it and keeps the
# .pyc, which it would not do where the environment sets PYTHONDONTWRITEBYTECODE.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup serve build wheel lint test test-fast screenshots chromium node debs bench bench-peers clean

setup: $(STAMP)

# Two steps: the packages, then the search page's browser files. pip installs uv, which
# installs torch's CPU build (it lies on this machine's disk; asked for by version, so that
# the multi-GB CUDA build does not come as a dependency of sentence-transformers) and kb with
# the rest, from the indexes and folders pip is configured with (scripts/install.py: 9 s
# against pip's 21; pip where uv cannot). The browser files come from the npm registry at
# pinned versions (sha256 checked) into kb/site/assets/vendor/ (package data, not in git), so
# that no site build downloads anything; the query encoder and the quick model are prepared
# once per machine from the bundled model into ~/.cache/kb (kb/site/vendor.py,
# kb/search/onnx_export.py, kb/search/static.py). The lint needs only the first step.
$(INSTALLED): pyproject.toml scripts/install.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile 'uv>=0.5'
	$(BIN)/python scripts/install.py torch==2.13.0 -e '.[test]'
	touch $(INSTALLED)

$(STAMP): $(INSTALLED) kb/site/vendor.py
	$(BIN)/python scripts/vendor_browser.py --export-model
	touch $(STAMP)

# kb site serve/build run the kb plugin through ProperDocs when it is installed (it is, with
# the test extras), else MkDocs; kb site --help says more.
serve: setup
	$(BIN)/kb site serve --dev-addr 127.0.0.1:8000

build: setup
	$(BIN)/kb site build --strict

# A wheel of kb with the browser files inside, to install kb for a course elsewhere.
wheel: setup
	$(BIN)/python -m pip wheel --no-deps --quiet -w dist .
	@ls dist/kb-*.whl

# Headless Chromium for the browser tests, and Node for the tests of the site's browser modules
# (tests/js/, run by tests/test_js.py with `node --test`; no npm package), from Debian's
# packages; `make debs` installs whichever of the two is missing in one apt-get call.
APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(APT_INSTALL) chromium >/dev/null; }

node:
	@command -v node >/dev/null 2>&1 || { $(APT_INSTALL) nodejs >/dev/null; }

debs:
	@missing=$$(command -v chromium >/dev/null 2>&1 || echo chromium; \
	  command -v node >/dev/null 2>&1 || echo nodejs); \
	test -z "$$missing" || { $(APT_INSTALL) $$missing >/dev/null; }

# Style and types: ruff over the code, tests and scripts, mypy over the package.
lint: $(INSTALLED)
	$(BIN)/python -m ruff check kb tests scripts
	$(BIN)/python -m mypy

# The set-up, the Debian packages and the lint are independent but for pip's install, which
# the lint waits for: apt-get beside pip, then mypy beside the browser files' step.
# pytest runs in one process per core (pytest-xdist), each module in one of them, and the
# modules that share a costly fixture together (tests/conftest.py); PYTEST_XDIST= runs it in one.
PYTEST_XDIST ?= -n auto --dist loadscope
test:
	@$(MAKE) --no-print-directory -j3 setup debs lint
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The browser tests, writing what they see into test-output/ as full-page screenshots (desktop
# and phone, light and dark) for people to look at; make test takes none (a tenth of its time).
screenshots: setup debs
	KB_SCREENSHOTS=1 $(BIN)/python -m pytest $(PYTEST_XDIST) -m browser $(PYTEST_ARGS)
	@ls test-output/*.png | wc -l | xargs printf '%s screenshots in test-output/\n'

# Unit tests without the real model or the browser, for a quick loop.
test-fast: setup node
	$(BIN)/python -m pytest -m "not model and not browser" $(PYTEST_ARGS)

bench: setup
	$(BIN)/python scripts/bench_bibtex.py
	$(BIN)/python scripts/bench_bib_scale.py --sizes 5000,20000
	$(BIN)/python scripts/bench_add.py
	$(BIN)/python scripts/eval_search.py
	$(BIN)/python scripts/bench_search.py
	$(BIN)/python scripts/bench_site.py
	$(BIN)/python scripts/bench_site_search.py
	$(BIN)/python scripts/bench_desk.py

# kb beside papis (installed from PyPI into /tmp/kb-peers/venv) on the same .bib file.
bench-peers: setup
	$(BIN)/python scripts/bench_peers.py

clean:
	rm -rf $(VENV) .kb site test-output dist kb/site/assets/vendor
