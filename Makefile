# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup system run test lint bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: system $(STAMP)

system:
	@bash scripts/system_libraries.sh

run: setup
	$(VENV)/bin/resolve demo $(if $(PROTOCOL),--protocol $(PROTOCOL),)

bench: setup
	$(PY) scripts/idle_memory.py
	VENV=$(VENV) bash scripts/benchmark.sh

lint: setup
	$(VENV)/bin/ruff check .

test: setup
	VENV=$(VENV) bash scripts/test.sh
