# Two commands: `make run` (the app) and `make test` (the whole suite). Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint install install-test migrate demo bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.runtime
install-test: $(VENV)/.test

migrate: install
	$(PY) -m sgoversight init-db

demo: migrate
	$(PY) -m sgoversight demo-data --if-empty

run: demo
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

lint: install-test
	$(PY) -m ruff check .

# pytest exits 5 when it collected no tests: that must fail, never pass quietly.
test: lint
	$(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

bench: install-test
	$(PY) -m pytest benchmarks -m benchmark -s -p no:cacheprovider

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
