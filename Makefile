# The two commands of the README: `make crawl-replica` and `make test` (each sets everything up first).
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: setup setup-dev crawl-replica test bench

setup:
	$(PIP) install -q -r requirements.txt

setup-dev:
	$(PIP) install -q -r requirements-dev.txt

# Serve the bundled replica on a free port, crawl it with every pipeline and exporter, print the summary.
crawl-replica: setup
	$(PYTHON) -m replica.crawl --articles 300 --seed 1

test: setup-dev
	$(PYTHON) -m pytest -q

bench: setup-dev
	$(PYTHON) -m bench
