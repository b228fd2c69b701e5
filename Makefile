# Two commands do all the set-up on a fresh machine:
#   make serve   install what is missing, then start the app on http://127.0.0.1:8000
#   make test    install what is missing, then run every check (lint, types, JS and Python tests)
PYTHON ?= python3
PIP := $(PYTHON) -m pip
MNIST_DIR ?= $(abspath ../shared/data/mnist)
export AUTOGRAD_EXPLORER_MNIST_DIR ?= $(MNIST_DIR)

.PHONY: install install-system serve test lint typecheck test-js test-py bench vendor

# torch first and pinned: anything that depends on it (torchviz) would otherwise pull a CUDA build.
install:
	$(PIP) install --quiet --disable-pip-version-check torch==2.13.0 numpy
	$(PIP) install --quiet --disable-pip-version-check -e '.[dev]'

# Debian packages the tests need: chromium for the browser tests, graphviz for torchviz's SVG.
install-system:
	@if ! command -v chromium >/dev/null || ! command -v dot >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium graphviz >/dev/null; \
		else echo "need root to apt-get install chromium graphviz" >&2; exit 1; fi; \
	fi

serve: install
	autograd-explorer serve

lint:
	ruff check backend tests bench scripts
	ruff format --check backend tests bench scripts

typecheck:
	mypy

test-js:
	node --test frontend/tests/

test-py:
	$(PYTHON) -m pytest -q

test: install install-system lint typecheck test-js test-py

bench: install
	$(PYTHON) bench/trace_bench.py

vendor:
	bash scripts/vendor-frontend.sh
