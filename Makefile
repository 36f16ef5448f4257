# Hồ sơ chuyên môn điện tử — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= cms.settings.dev

.PHONY: run test install install-test migrate demo static serve worker lint format check bench forms clean

# uv (from the package index, into the venv) installs in 3 s what pip took 21 s for
# (bytecode is then compiled by the first import of each module); pip does it where uv
# cannot.
INSTALL = $(VENV)/bin/uv pip install --quiet --python $(PY)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet uv || true
	$(INSTALL) -e . || $(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(INSTALL) -e ".[test]" || $(PIP) install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo_district --catch-up

static: install
	mkdir -p var
	$(PY) manage.py collectstatic --noinput --verbosity 0

SERVE = PY=$(PY) HOST=$(HOST) PORT=$(PORT) scripts/serve-dev

serve: static
	$(SERVE)

## worker: only the task worker (e-mails, search index), e.g. beside a server run elsewhere
worker: install
	$(PY) manage.py db_worker --no-reload

## run: install, migrate, load the demo district, serve on http://127.0.0.1:8000 with the
## task worker (db_worker: e-mails, search index) and the archive worker beside it
## (collectstatic, ~15 s of CPU compressing the admin's files, beside the demo's
## single-process first minute)
run: install
	$(MAKE) --no-print-directory -j2 demo static
	$(SERVE)

## test: install what the tests need and run the whole suite
test: install-test
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemigrations --check --dry-run

bench: install-test
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

## forms: render the first page of each paper form to docs/forms/*.png, checked against the
## official form's labels on the way (tests/archive/test_form_labels.py)
forms: install-test
	HOSO_FORMS_DIR=$(CURDIR)/docs/forms DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) -m pytest -q -p no:cacheprovider tests/archive/test_form_labels.py tests/archive/test_class_summary_forms.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
