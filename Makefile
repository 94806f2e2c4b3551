# Midtier: `make demo` runs the whole pipeline on bundled data; `make test` runs the test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser demo imports lint test test-all bench stop clean

install: $(STAMP)

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -r requirements.txt
	$(BIN)/pip install --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

# Debian's chromium, for the headless screenshot and Playwright tests, and axe-core (npm) for
# their accessibility scans, kept in the venv.
AXE_CORE := axe-core@4.14.1
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && \
		$(SUDO) apt-get install -y --no-install-recommends chromium; }
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update && \
		$(SUDO) apt-get install -y --no-install-recommends npm; }
	@test -f $(VENV)/node/node_modules/axe-core/axe.min.js || \
		npm install --no-save --no-audit --no-fund --prefix $(VENV)/node $(AXE_CORE)

demo: install
	$(BIN)/midtier run --offline
	$(BIN)/midtier dashboard --background

# Test modules are spread over up to four workers (one per core), each with its own
# PostgreSQL; a module's tests stay together, so its once-built database is built once.
PYTEST := $(BIN)/python -m pytest --numprocesses auto --maxprocesses 4 --dist loadfile

# Python lint and format check, then the dbt models' SQL (rendered offline by sqlfluff's jinja
# templater; see .sqlfluff). The tree is kept clean: `ruff format .` and `ruff check --fix .` fix
# most findings.
lint: install imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt --processes 2 --disable-progress-bar

# The layer contracts in pyproject.toml ([tool.importlinter]): core never imports a caller.
imports: install
	$(BIN)/lint-imports

test: install browser lint
	$(PYTEST) -m "not slow"

test-all: install browser lint
	$(PYTEST)

# Load, transform and serve benchmarks on generated postings, against a PostgreSQL of their
# own under .midtier/bench; figures go to BENCHMARKS.md. Sizes: make bench BENCH_SIZES="10000".
BENCH_SIZES ?= 10000 100000 1000000
bench: install
	BENCH_SIZES="$(BENCH_SIZES)" $(BIN)/python -m bench.run

stop:
	-$(BIN)/midtier dashboard --stop
	-$(BIN)/midtier airflow down
	-$(BIN)/midtier db down

# Removes the embedded cluster too (as root it lives under /var/lib/midtier, see README).
clean: stop
	-$(BIN)/midtier db remove
	rm -rf .midtier
