# airgaplab — bring up the lab, prove it, take it down.
#   make lab-up [BACKEND=auto|netns|vagrant] [NODES=N] [NAME=lab] [BARE=1]
#   .venv/bin/pytest            # the conformance suite against the lab that is up
#   make lab-down
#   make test                   # the harness's own tests + the suite on a throwaway lab
#   make report | report-html | nightly   # conformance reports (reports/README.md)
PYTHON  ?= python3
VENV    ?= .venv
BACKEND ?= auto
LAB     ?= labs/ntp-dns.yaml
NAME    ?=
NODES   ?=
BARE    ?=

BIN := $(VENV)/bin
UP_ARGS := --lab $(LAB) --backend $(BACKEND) $(if $(NAME),--name $(NAME)) $(if $(NODES),--nodes $(NODES)) $(if $(BARE),--bare)

.PHONY: help deps deps-test venv doctor report report-html nightly lab-up lab-down status test unit suite lint bench clean

help:
	@sed -n '2,7p' Makefile

deps:
	@bash scripts/install-deps.sh

deps-test:
	@bash scripts/install-deps.sh --for-tests

$(BIN)/airgaplab: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

venv: $(BIN)/airgaplab

lab-up: deps venv
	$(BIN)/airgaplab up $(UP_ARGS)

doctor: venv
	$(BIN)/airgaplab doctor --backend $(BACKEND)

lab-down: venv
	$(BIN)/airgaplab down $(if $(NAME),--name $(NAME))

status: venv
	$(BIN)/airgaplab status $(if $(NAME),--name $(NAME))

# The harness's own tests (spec, rendering, steps, netns backend, break-one-thing),
# then the conformance suite on a throwaway netns lab.
test: deps-test venv
	$(BIN)/pytest -p no:cacheprovider tests/unit
	$(BIN)/pytest -p no:cacheprovider --lab-up=netns tests/conformance

unit: venv
	$(BIN)/pytest -p no:cacheprovider tests/unit -m "not lab"

lint: venv
	$(BIN)/ruff check src tests
	shellcheck -x provision/steps/*.sh scripts/*.sh src/airgaplab/backends/netns/shims/*

# Reports: reports/<lab>/<UTC time>/ (see reports/README.md)
report: venv
	$(BIN)/airgaplab report $(if $(NAME),--name $(NAME))

report-html:
	@bash scripts/report-html.sh $(RUN)

# Fresh lab, suite, report, lab down (always); non-zero if a requirement failed.
nightly: deps venv
	$(BIN)/airgaplab nightly --name $(or $(NAME),nightly) --backend $(BACKEND) --lab $(LAB)

bench: deps venv
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build src/*.egg-info
