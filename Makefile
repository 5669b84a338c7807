# gridsim — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# First interpreter >= 3.12 found (Mesa 3.5 needs it; python3 may be 3.11 here).
PY ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3; do \
        $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: install demo test lint format bench calibrate docs clean

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "error: no Python >= 3.12 found (tried python3.13, python3.12, pyenv)"; exit 2; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,notebooks,dask]'
	@touch $@

install: $(STAMP)

demo: install
	@mkdir -p out
	set -o pipefail; $(BIN)/gridsim run scenarios/yuelu-2013.toml --replications 10 | tee out/yuelu-2013-kpis.txt
	@echo "KPI table written to out/yuelu-2013-kpis.txt"

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_year.py --out benchmarks/RESULTS.md

docs: install
	$(BIN)/python -m gridsim.reference > docs/scenarios.md

calibrate: install
	$(BIN)/gridsim calibrate scenarios/yuelu-2013.toml

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
