# Switchboard: `make demo` runs the app on the simulated floor; `make test` runs the tests.
# Both set everything up first on a fresh machine: system packages, a virtual
# environment in .venv, and Switchboard installed into it with its test tools.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: demo test setup system-deps serve benchmarks installer clean

demo: setup
	@if [ "$$(uname)" = "Linux" ] && [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
		echo "No display found: running offscreen (Ctrl+C stops it). On a desktop, the window opens."; \
		QT_QPA_PLATFORM=offscreen $(BIN)/switchboard --demo; \
	else \
		$(BIN)/switchboard --demo; \
	fi

test: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

serve: setup
	$(BIN)/switchboard serve --demo

benchmarks: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run_all.py

installer: setup
	$(BIN)/python -m pip install --quiet -e ".[installer]"
	bash installer/build.sh

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
