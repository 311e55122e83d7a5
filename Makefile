# One virtual environment per checkout; every target installs what it needs first.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
OUT    ?= releases/penguin-species
# The quick start publishes into a demo registry of its own, made anew on every run.
DEMO_HOME := releases/.modelshare

.PHONY: install quickstart test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch is pinned first: a looser requirement would download a multi-GB CUDA build.
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test,transformers,dask]"

quickstart: install
	$(BIN)/modelshare quickstart --out $(OUT) --overwrite
	rm -rf $(DEMO_HOME)
	MODELSHARE_HOME=$(DEMO_HOME) $(BIN)/modelshare publish $(OUT)
	MODELSHARE_HOME=$(DEMO_HOME) $(BIN)/modelshare pull penguin-species@1.0.0 \
		--to releases/pulled/penguin-species --overwrite
	$(BIN)/modelshare verify releases/pulled/penguin-species

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q -n auto --durations=15

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) releases build dist .pytest_cache .ruff_cache
