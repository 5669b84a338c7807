# gridsim — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# First interpreter >= 3.12 found (Mesa 3.5 needs it; python3 may be 3.11 here).
PY ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3; do \
        $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: install warm demo test lint format bench calibrate docs clean lab deploy-test

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "error: no Python >= 3.12 found (tried python3.13, python3.12, pyenv)"; exit 2; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,notebooks,dask,geo,deploy]'
	@touch $@

# Numba compiles the case pipeline on first use (about 30 s once per checkout or
# change of the kernel's sources: every file of src/gridsim/kernel/) and caches it
# in a folder named by their hash (gridsim.fingerprint); doing it here keeps the parallel
# test workers, notebook kernels and sweep workers from each compiling it.
warm: install
	@$(BIN)/python -m gridsim.model

install: $(STAMP)

# The comparisons shipped in scenarios/, run on the embedded workspace in out/workspace
# (a second `make demo` only redraws the reports), each written as an HTML report.
DEMO_STORE       := out/workspace
DEMO_REPORTS     := out/reports
DEMO_EXPERIMENTS := compare-grid-size compare-staffing compare-mechanisms compare-drawn-grids
DEMO_ZH          := compare-grid-size
# And a plan (scenarios/plan-small.toml: the cheapest design meeting Yuelu's targets, at
# demo size), its runs in the same workspace, its report in English and in Chinese.
DEMO_PLAN        := plan-small

demo: warm
	@$(BIN)/python -c "from gridsim.planning.report import write_plan_report" \
	  || { echo "error: make demo writes a plan report, and gridsim.planning.report.write_plan_report is missing (see the message above)" >&2; exit 1; }
	@mkdir -p out
	set -o pipefail; $(BIN)/gridsim run scenarios/yuelu-2013.toml --replications 10 | tee out/yuelu-2013-kpis.txt
	@echo "KPI table written to out/yuelu-2013-kpis.txt"
	$(BIN)/gridsim grids scenarios/data/yuelu-blocks.gpkg --households-per-grid 330 \
	  --out out/yuelu-grids
	@set -e; for e in $(DEMO_EXPERIMENTS); do \
	  echo "$$e: running what $(DEMO_STORE) lacks, then the report"; \
	  $(BIN)/gridsim report scenarios/$$e.toml --store $(DEMO_STORE) --out $(DEMO_REPORTS)/$$e; \
	done
	@$(BIN)/gridsim report scenarios/$(DEMO_ZH).toml --store $(DEMO_STORE) \
	  --out $(DEMO_REPORTS)/$(DEMO_ZH)-zh --lang zh \
	  || { rc=$$?; test $$rc -eq 2 || exit $$rc; \
	       echo "Chinese report skipped (see the message above); the English reports are complete."; }
	@echo "$(DEMO_PLAN): the plan (what $(DEMO_STORE) lacks), then its report"
	$(BIN)/gridsim plan scenarios/$(DEMO_PLAN).toml --store $(DEMO_STORE) \
	  --out out/$(DEMO_PLAN)
	@if $(BIN)/python -c "import sys; from gridsim.reports.i18n.fonts import FONT_INSTALL_HINT, cjk_font; \
	      sys.exit(0 if cjk_font() else 'no font with Chinese glyphs: ' + FONT_INSTALL_HINT)"; then \
	  $(BIN)/gridsim plan scenarios/$(DEMO_PLAN).toml --store $(DEMO_STORE) \
	    --out out/$(DEMO_PLAN)-zh --lang zh --no-progress > /dev/null; \
	else echo "Chinese plan report skipped (see the message above); the English one is complete."; fi
	@echo ""
	@echo "Yuelu's block map cut into grids: file://$(CURDIR)/out/yuelu-grids/map.png"
	@echo "Reports (open in a browser; each index.html is one self-contained file):"
	@for e in $(DEMO_EXPERIMENTS) $(DEMO_ZH)-zh; do \
	  test -f $(DEMO_REPORTS)/$$e/index.html && echo "  file://$(CURDIR)/$(DEMO_REPORTS)/$$e/index.html"; \
	done; true
	@for p in $(DEMO_PLAN) $(DEMO_PLAN)-zh; do \
	  test -f out/$$p/index.html && echo "  file://$(CURDIR)/out/$$p/index.html"; \
	done; true

# The shared deployment (deploy/, docs/deployment.md) started on 127.0.0.1 with two
# districts and attacked from one: JupyterHub spawning each district's notebook server as
# its own OS user, PostgreSQL with a role per district, Dask Gateway as a hub service.
# Needs root (it creates OS users); installs into /opt/gridsim on first use (a few minutes).
deploy-test: install
	$(BIN)/python deploy/deploy_test.py

# lint-imports checks the layers declared in pyproject.toml ([tool.importlinter]).
test: warm
	$(BIN)/ruff check src tests benchmarks notebooks deploy scripts
	$(BIN)/ruff format --check src tests benchmarks notebooks deploy scripts
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check src tests benchmarks notebooks deploy scripts
	$(BIN)/ruff format --check src tests benchmarks notebooks deploy scripts
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests benchmarks notebooks
	$(BIN)/ruff check --fix src tests benchmarks notebooks

# JupyterLab on the tutorial notebooks (and gridsim.explorer.explore()). Jupyter
# refuses to run as root unless told to, and root is the usual user in containers.
lab: install
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

bench: warm
	@test -x $(BIN)/py-spy || $(BIN)/python -m pip install -q py-spy \
	    || echo "py-spy did not install: the profile falls back to cProfile"
	$(BIN)/python benchmarks/run_all.py --out benchmarks/RESULTS.md

docs: install
	$(BIN)/python -m gridsim.reference > docs/scenarios.md

calibrate: install
	$(BIN)/gridsim calibrate scenarios/yuelu-2013.toml

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
