# The two commands of the README:
#   make demo   builds the bundle with the demo settings and serves the demo page on 127.0.0.1
#   make test   installs what the tests need (venv, npm packages, Chromium) and runs them
# Every install step lives here, so a fresh machine needs nothing done by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
OUT    ?= static/bundle
PYTEST_ARGS ?=

.PHONY: demo test check fuzz install install-python install-npm install-chromium bundle bench typecheck lint lint-js test-js clean

demo: install-python install-npm
	$(PY) build.py --settings demo.toml --out $(OUT) --serve $(HOST):$(PORT) --sdk-url http://$(HOST):$(PORT)/vendor/clevertap.min.js

test: install check
	$(PY) -m pytest $(PYTEST_ARGS)

bundle: install-python install-npm
	$(PY) build.py --settings demo.toml --out $(OUT)

# The pytest benchmarks (-m bench), then the side-by-side page-load benchmark (bench/run.py), which
# prints its table and writes bench/results.json and bench/timeline.svg, then cloud mode's send at
# CleverTap's concurrency limit (bench/cloud.py, a few minutes; its figures under "cloud" in
# bench/results.json). BENCH_ARGS: e.g. --runs 5; CLOUD_BENCH_ARGS: e.g. --events 20000.
bench: install
	$(PY) -m pytest -m bench -s $(PYTEST_ARGS)
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.cloud $(CLOUD_BENCH_ARGS)

# The browser fuzz test at a larger size: FUZZ_CALLS calls a variant, seed FUZZ_SEED.
FUZZ_CALLS ?= 20000
FUZZ_SEED  ?= 20261202
fuzz: install
	CLEVERTAP_BRIDGE_FUZZ_CALLS=$(FUZZ_CALLS) CLEVERTAP_BRIDGE_FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest -s tests/browser/test_fuzz.py $(PYTEST_ARGS)

# mypy --strict on the package, the tests, build.py and bench/; ruff with the rule set in pyproject.toml;
# ESLint (eslint.config.mjs) on the browser modules and their Node tests; the Node unit tests.
check: typecheck lint lint-js test-js

# bench/ is checked on its own: it imports the browser tests' collector as tests.browser.collector.
typecheck: install-python
	$(PY) -m mypy
	$(PY) -m mypy bench

lint: install-python
	$(PY) -m ruff check .

lint-js: install-npm
	node_modules/.bin/eslint --max-warnings 0 templates/js tests/js eslint.config.mjs

# The browser modules under Node's test runner, with fake storage, locks, worker and SDK (tests/js/).
test-js: install-npm
	node --test tests/js/

install: install-python install-npm install-chromium

# The venv is rebuilt when pyproject.toml or constraints.txt changes. The package itself needs nothing
# beyond the standard library (cloud mode); the extras bring the bundle builder's Jinja2 and Brotli
# (build), the command line's progress bar (progress) and the test tools (test), each at the exact
# version constraints.txt pins.
EXTRAS := build,progress,test
install-python: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $@

# npm ci installs exactly what package-lock.json pins.
install-npm: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Playwright cannot download its own browser here: use Debian's Chromium unless one is there.
install-chromium:
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1 || ls $$HOME/.cache/ms-playwright/chromium-* >/dev/null 2>&1; then \
		echo "Chromium: present"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "Chromium: installing Debian's package"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium: not found and no apt-get; browser tests will be skipped" >&2; \
	fi

clean:
	rm -rf $(VENV) node_modules $(OUT) build *.egg-info .pytest_cache .mypy_cache .hypothesis
