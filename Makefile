# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/resolve db upgrade
	$(VENV)/bin/resolve protocols list
	$(VENV)/bin/resolve calendar due --from "23/12/2026 10:00" --timescale "5 working days"

lint: setup
	$(VENV)/bin/ruff check .

test: setup
	VENV=$(VENV) bash scripts/test.sh
