# The two commands of the README: `make crawl-replica` and `make test` (each sets everything up first).
#
# Python: `python3` as found, or PYTHON=... . Where that Python refuses system-wide installs
# (Debian's and Ubuntu's python3: PEP 668, "externally-managed-environment") and no virtualenv is
# active, everything goes into a virtualenv in .venv (made once; VENV=... to put it elsewhere).
PYTHON ?= python3
VENV ?= .venv
EXTERNALLY_MANAGED := $(shell $(PYTHON) -c "import os, sys, sysconfig; \
print(int(sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))))" 2>/dev/null)

ifeq ($(EXTERNALLY_MANAGED),1)
BASE_PYTHON := $(PYTHON)
override PYTHON := $(abspath $(VENV))/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
ENV_READY := $(PYTHON)
else
ENV_READY :=
endif
PIP := $(PYTHON) -m pip
# pip before 24 does not normalise extra names (PEP 685) and warns on every install that lxml has
# no 'html_clean' extra (jusText asks for lxml[html_clean]; lxml names it html-clean): a newer pip first.
PIP_MIN := pip>=24.1
# CI and deploy hosts run setup as root on purpose (a container, or a dedicated venv): no warning.
export PIP_ROOT_USER_ACTION := ignore

.PHONY: setup setup-dev crawl-replica test bench

# Debian ships venv without ensurepip unless python3-venv is installed: install it where we can.
$(abspath $(VENV))/bin/python:
	$(BASE_PYTHON) -m venv $(VENV) || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
	  && apt-get install -y -qq python3-venv >/dev/null && rm -rf $(VENV) && $(BASE_PYTHON) -m venv $(VENV); }

setup: $(ENV_READY)
	$(PIP) install -q '$(PIP_MIN)'
	$(PIP) install -q -r requirements.txt

setup-dev: $(ENV_READY)
	$(PIP) install -q '$(PIP_MIN)'
	$(PIP) install -q -r requirements-dev.txt

# Serve the bundled replica on a free port, crawl it with every pipeline and exporter, print the summary.
crawl-replica: setup
	$(PYTHON) -m replica.crawl --articles 300 --seed 1

test: setup-dev
	$(PYTHON) -m pytest -q

bench: setup-dev
	$(PYTHON) -m bench
