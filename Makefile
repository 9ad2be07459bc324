# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
# Data for the demo, tests and benchmarks lives beside the project (never copied in).
export SEQGUARD_DATA ?= $(abspath ../shared/data)

.PHONY: install demo test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, pinned: the CPU wheel on these machines. Any other spec pulls CUDA.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $(STAMP)
	@echo "seqguard is installed in $(VENV): run '$(BIN)/seqguard', or 'source $(BIN)/activate' to put it on PATH."

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/seqguard demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The bench extra (LightGBM, statsmodels, the packaged datasets) only for benchmarks.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,dev,bench]'
	touch $(BENCH_STAMP)

# Every benchmark, the accuracy panel last (it writes docs/benchmarks.md; hours on 2 cores).
# One benchmark alone: make bench BENCH=accuracy; the panel's quick mode:
# $(BIN)/python benchmarks/bench_accuracy.py --quick
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py $(BENCH)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/seqguard

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info
