# The two commands of the README: `make crawl-replica` and `make test` (each sets everything up first).
#
# Where `python3 -m pip` may install (a pyenv or virtualenv Python, CI), the packages go there.
# Where it refuses (Debian 12+, Ubuntu 23.04+: "externally-managed-environment", PEP 668), a virtual
# environment is made in .venv (needs Debian's python3-venv) and every command uses it.
# `make test VENV=.venv` forces one; `make test PYTHON=/path/to/python` names the interpreter.
SYSTEM_PYTHON ?= python3
MANAGED := $(shell $(SYSTEM_PYTHON) -c "import os, sys, sysconfig; print(int(sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))))" 2>/dev/null)
VENV ?= $(if $(filter 1,$(MANAGED)),.venv,)
PYTHON ?= $(if $(VENV),$(VENV)/bin/python,$(SYSTEM_PYTHON))
PIP ?= $(PYTHON) -m pip

.PHONY: setup setup-dev crawl-replica test bench

$(VENV)/bin/python:
	$(SYSTEM_PYTHON) -m venv $(VENV)

setup: $(if $(VENV),$(VENV)/bin/python)
	$(PIP) install -q -r requirements.txt

setup-dev: $(if $(VENV),$(VENV)/bin/python)
	$(PIP) install -q -r requirements-dev.txt

# Serve the bundled replica on a free port, crawl it with every pipeline and exporter, print the summary.
crawl-replica: setup
	$(PYTHON) -m replica.crawl --articles 300 --seed 1

test: setup-dev
	$(PYTHON) -m pytest -q

bench: setup-dev
	$(PYTHON) -m bench
