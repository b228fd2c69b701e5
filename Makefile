# Two commands do all the set-up on a fresh machine:
#   make serve   install what is missing, then start the app on http://127.0.0.1:8000
#   make test    install what is missing, then run every check (lint, types, JS and Python tests)
#
# Everything installs into the project's own virtualenv (.venv), never into the system
# interpreter: Debian's pip refuses that (PEP 668, "externally-managed-environment").
# PYTHON is only the interpreter that creates the virtualenv (3.11), e.g. PYTHON=/usr/bin/python3.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# Re-install when the dependencies change; the stamp lives inside the virtualenv.
STAMP := $(VENV)/.installed
MNIST_DIR ?= $(abspath ../shared/data/mnist)
export AUTOGRAD_EXPLORER_MNIST_DIR ?= $(MNIST_DIR)
# The venv's scripts (ruff, mypy, uvicorn, autograd-explorer) come first on PATH for every recipe.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: install install-system serve test lint typecheck test-js test-py bench vendor clean-venv

install: $(STAMP)

# A virtualenv whose pip works. Debian ships venv without ensurepip unless python3-venv is
# installed: as root we install it, otherwise we say what to install.
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| { echo "$(PYTHON) is not Python 3.11; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@if ! $(PYTHON) -m venv $(VENV) >/dev/null 2>&1; then \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's python3-venv (ensurepip is missing)"; \
			apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; \
			$(PYTHON) -m venv $(VENV); \
		else \
			echo "'$(PYTHON) -m venv' failed: install python3-venv (sudo apt-get install python3-venv)" >&2; \
			exit 1; \
		fi; \
	fi

# Every version the app runs is pinned in constraints.txt (pyproject.toml has ranges, for notebooks).
# torch first: anything that depends on it (torchviz) would otherwise pull a CUDA build.
CONSTRAINTS := constraints.txt
$(STAMP): pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) torch numpy
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[server,dev]'
	@touch $(STAMP)

# Debian packages the tests need: chromium for the browser tests, graphviz for torchviz's SVG,
# redis-server and postgresql for the scale-out tests (tests/services.py starts them on loopback),
# podman for podman-compose's check of docker-compose.yml (no container is run by the tests).
SYSTEM_PACKAGES := chromium graphviz redis-server postgresql podman
install-system:
	@if ! command -v chromium >/dev/null || ! command -v dot >/dev/null || ! command -v podman >/dev/null \
		|| ! command -v redis-server >/dev/null || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else echo "need root to apt-get install $(SYSTEM_PACKAGES)" >&2; exit 1; fi; \
	fi

serve: install
	$(VENV)/bin/autograd-explorer serve

lint: install
	$(PY) -m ruff check backend tests bench scripts
	$(PY) -m ruff format --check backend tests bench scripts

typecheck: install
	$(PY) -m mypy

test-js:
	node --test frontend/tests/

test-py: install install-system
	$(PY) -m pytest -q

test: install install-system lint typecheck test-js test-py

bench: install
	$(PY) bench/trace_bench.py

vendor:
	bash scripts/vendor-frontend.sh

clean-venv:
	rm -rf $(VENV)
