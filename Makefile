# specpilot — every target sets up .venv itself (torch first, from the machine's CPU wheel).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_OUT ?= /tmp/locbench-dev
SHARED_BENCH ?= ../shared/bench

.PHONY: setup demo test lint bench bench-agent clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	# torch FIRST: 2.13.0 is a CPU wheel on this machine; any other request pulls CUDA wheels
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Index this repository with the default (embedded) settings and run a search.
demo: $(STAMP)
	$(BIN)/specpilot index .
	$(BIN)/specpilot status --repo .
	$(BIN)/specpilot search "how are unchanged chunks kept from being embedded again" --repo . --files --top-k 5
	$(BIN)/specpilot search "where is the tree-sitter query for python imports" --repo . --top-k 5

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Localization benchmark (../shared/bench/dev): corpora from PyPI, results in bench/results.
bench: $(STAMP)
	OUT=$(BENCH_OUT) PYTHON=$(PY) bash $(SHARED_BENCH)/dev/build.sh
	$(PY) -m pip install -q bm25s pandas  # the [bench] extra: BM25 baseline, pandas as real code
	$(PY) bench/locbench.py --corpus-root $(BENCH_OUT)/corpus \
		--instances $(SHARED_BENCH)/dev/instances.jsonl --evaluate $(SHARED_BENCH)/evaluate.py

## Agent benchmark: a local Qwen2.5-Coder (registry packages) drives `specpilot run --mode pr`
## on 12 fixture specs; AGENT_SIZE=1.5b for the bigger model, AGENT_SPECS=a,b for a subset.
AGENT_SIZE ?= 0.5b
AGENT_PORT ?= 18081
AGENT_OUT ?= bench/results/agent-bench-$(AGENT_SIZE).json
bench-agent: $(STAMP)
	mkdir -p bench/results
	$(PY) bench/agent_bench.py --size $(AGENT_SIZE) --port $(AGENT_PORT) --json-out $(AGENT_OUT) \
		$(if $(AGENT_SPECS),--specs $(AGENT_SPECS))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
