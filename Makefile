# socialcare: the two commands a newcomer needs are `make demo` and `make test`.
# Both create .venv on first use from pyproject.toml (Python 3.11, pip, PyPI only).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# sam build runs the layers' and functions' Makefiles; pip comes from the venv on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= eu-west-1

.PHONY: venv test lint typecheck check-config template build unit every-tier events bench demo \
	clean browser layer-requirements models

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "socialcare needs Python 3.11, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,reports]'
	@touch $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

check-config: venv
	$(BIN)/python -m socialcare.config layers/config/brands

template: venv
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint -t template.yaml

build: venv
	$(BIN)/sam build -t template.yaml --build-dir .aws-sam/build --cache-dir .aws-sam/cache --cached

# The fast tier while you work: the runtime package's unit tests, without the thorough ones
# (property tests with many random examples, forced thread switches). `make test` runs every
# tier: unit, thorough, tools (the local emulator), integration, the benches' smoke runs.
unit: venv
	$(BIN)/pytest tests/unit -m "not thorough" -q

every-tier: venv
	$(BIN)/pytest

test: lint typecheck check-config template build browser every-tier

# The report e-mail's rendering test needs a headless Chromium (Debian's package). Installed
# when this machine can (root with apt-get); otherwise that one test says why it skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& (apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
		    || (apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1)) \
		|| echo "no Chromium here (needs root and apt-get): the report rendering test will skip"; }

events: venv
	$(BIN)/python -m socialcare_tools.sample_events events

layer-requirements: venv
	$(BIN)/python -m socialcare_tools.layer_requirements

# The trainer (fastText's own Python package) and the predictor the functions use
# (fasttext-predict) install the same module name, so training has an environment of its own.
TRAIN_VENV := .venv-train
$(TRAIN_VENV)/.installed:
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet fasttext-wheel==0.9.2 'numpy<2'
	@touch $@

models: $(TRAIN_VENV)/.installed
	PYTHONPATH=layers/common/python:infra/tools $(TRAIN_VENV)/bin/python -m socialcare_tools.train_models

bench: build
	$(BIN)/python bench/ingest.py --runs 7 --messages 300
	$(BIN)/python bench/local_stack.py --messages 2000
	$(BIN)/python bench/classify.py --runs 7
	$(BIN)/python bench/deadlines.py --clocks 200 --spread 20
	$(BIN)/python bench/slack.py --conversations 40
	$(BIN)/python bench/reports.py

demo: venv
	$(BIN)/socialcare demo --any-port

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
