# Two commands do everything on a fresh machine with Python 3.11:
#   make demo   set up, index the bundled sample data, search it, check a sample repost, write the reviewer CSV
#   make test   set up, then lint, type-check and run the test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup demo test lint browser tools bench bench-quick fuzz server serve worker clean

setup: $(VENV)/.installed

# CPU torch 2.13.0 first: an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[flows,bench,dev]'
	touch $@

demo: setup
	$(BIN)/credibility demo --home demo-output/home --out demo-output

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check credibility index flows benchmarks tests
	$(BIN)/mypy
	$(BIN)/lint-imports

# The report tests drive Debian's chromium headless (never a downloaded browser).
browser:
	sh scripts/install-browser.sh

# The README tests run every documented command, jq and curl included.
tools:
	sh scripts/install-tools.sh

test: lint browser tools
	$(BIN)/python -m pytest -q

bench-quick: setup
	$(BIN)/python -m benchmarks.run --quick
	$(BIN)/python -m benchmarks.speed --quick --backend onnx-int8 --out benchmarks/results/speed-quick.json

bench: setup
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.speed --backend onnx-int8 --out benchmarks/results/speed-full.json

# The long reliability harnesses (property-based fuzzing, kill -9, concurrency, hostile web input,
# a burst on the served deployment): about half an hour on 2 cores; writes benchmarks/RELIABILITY.md.
fuzz: setup
	$(BIN)/python -m benchmarks.fuzz

server: setup
	$(BIN)/python -m flows.server

serve: setup
	$(BIN)/python -m flows.serve

worker: setup
	$(BIN)/python -m flows.worker

clean:
	rm -rf demo-output .pytest_cache .mypy_cache .ruff_cache
