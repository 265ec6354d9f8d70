# eventextract: `make run` and `make test` work on a fresh machine (they create .venv first).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_UI_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 300
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export EVENTEXTRACT_CACHE ?= $(CURDIR)/.cache/eventextract

RELEASE ?=
OUT     ?= output
CRON    ?= 0 3 * * *

.PHONY: help install run test test-fast serve bench eval snapshot doctor docs lock clean

help:
	@echo "make run    - set up $(VENV), run the flow on the bundled sample corpus, write $(OUT)/releases/<version>/"
	@echo "make test   - set up $(VENV), run the test suite"
	@echo "make serve  - start a local Prefect server and serve the flow on a cron schedule ($(CRON))"
	@echo "make bench  - throughput / memory benchmarks (scripts/benchmark.py, scripts/bench_runs.py)"
	@echo "make eval   - every accuracy figure against ../shared (scripts/evaluate_shared.py)"
	@echo "make snapshot - compare output on every snapshot corpus with tests/snapshots (scripts/snapshot.py)"
	@echo "make doctor - check the environment a run needs and say what is missing"
	@echo "make docs   - regenerate docs/cli.md, docs/schema.md and docs/errors.md"

$(BIN)/eventextract: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

install: $(BIN)/eventextract

run: install
	$(BIN)/eventextract run --out $(OUT) $(if $(RELEASE),--release $(RELEASE),)

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

serve: install
	$(BIN)/eventextract serve --cron "$(CRON)"

bench: install
	$(BIN)/python scripts/benchmark.py
	$(BIN)/python scripts/bench_runs.py

eval: install
	$(BIN)/python scripts/evaluate_shared.py

snapshot: install
	$(BIN)/python scripts/snapshot.py check

doctor: install
	$(BIN)/eventextract doctor --out $(OUT)

docs: install
	$(BIN)/python scripts/gen_docs.py

lock:
	rm -rf /tmp/eventextract-lock && $(PYTHON) -m venv /tmp/eventextract-lock
	/tmp/eventextract-lock/bin/pip install --quiet ".[dev]"
	{ echo "# Exact versions the project is tested with (pip install -c constraints.txt). Regenerate with 'make lock'."; \
	  /tmp/eventextract-lock/bin/pip freeze | grep -v '^eventextract' ; } > constraints.txt

clean:
	rm -rf $(VENV) .cache .prefect .pytest_cache build dist src/*.egg-info
