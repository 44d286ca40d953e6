# Every target is a one-line alias; the logic lives in Python. `make demo` and `make test`
# work on a machine that has only Python and pip: they build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install demo test lint bench docs lambda clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml hatch_build.py scanner/engines/_native_input.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Go OPA in-process, the reference engine for the tests; its wheel under-declares Python.
	$(BIN)/python -m pip install --quiet --ignore-requires-python opa-golib-python-bindings==0.4.4
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install ecrscan with its test tools

demo: $(STAMP)  ## scan an emulated AWS account end to end and print the matrix
	$(BIN)/ecrscan demo

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)  ## ruff, pinned in pyproject.toml
	$(BIN)/ruff check scanner tests
	$(BIN)/ruff format --check scanner tests

bench: $(STAMP)  ## measure collection (moto on loopback) and evaluation at scale; minutes
	$(BIN)/python -m bench

docs: $(STAMP)  ## regenerate the generated docs: controls table, configuration, bench figures
	$(BIN)/python -m scanner.catalog_docs README.md
	$(BIN)/python -m scanner.config_parameters docs/configuration.md
	$(BIN)/python -m bench.report

LAMBDA_ARCH ?= arm64
lambda: $(STAMP)  ## build the Lambda package for deploy/*.yaml (build/lambda/; LAMBDA_ARCH=arm64|x86_64)
	$(BIN)/python deploy/build_lambda.py --arch $(LAMBDA_ARCH)

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist scanner/engines/_native_input.*.so
