# The README's two commands: `make run` (build the graph and serve it) and `make test` (every test).
# Both set up what they need themselves: a virtualenv, npm assets, Debian packages for the browser tests.

PYTHON ?= python3
comma  := ,
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one more than the cores (many tests wait on servers and the browser),
# at most 4; tests that must not run side by side share an xdist_group (tests/conftest.py).
# PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: run test setup assets comunica system-deps build validate serve clean bench

run: build assets
	$(BIN)/ikpe-lod serve --host $(HOST) --port $(PORT)

test: setup system-deps assets comunica build
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses=4 --dist loadgroup $(PYTEST_ARGS)

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,prod,stores]'
	touch $@

# Front-end assets from the npm registry, vendored into the static folder (served from our own host).
assets: node_modules/.installed

# Comunica with the Node 22 it needs, as an npm package (tools/comunica: the TPF tests and bench only).
comunica: tools/comunica/node_modules/.installed

node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	$(BIN)/python -m server.web.vendor
	touch $@

tools/comunica/node_modules/.installed: tools/comunica/package.json tools/comunica/package-lock.json
	cd tools/comunica && npm ci --no-audit --no-fund --silent
	touch $@

# Install a Debian package unless its command is there: $(call debian_package,command,package,why)
define debian_package
@if ! command -v $(1) >/dev/null 2>&1 && [ ! -x /usr/sbin/$(1) ]; then \
  echo "Installing Debian packages ($(2)$(3)) …"; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
fi
endef

# Debian packages the tests need: Chromium for the browser tests, Virtuoso for the remote-store tests,
# wrk for the load tests, nginx for the tests of the production cache in front (deploy/nginx.conf).
system-deps:
	$(call debian_package,chromium,chromium)
	$(call debian_package,virtuoso-t,virtuoso-opensource)
	$(call debian_package,wrk,wrk,$(comma) for the load tests)
	$(call debian_package,nginx,nginx,$(comma) for the tests of deploy/nginx.conf)

# What the benchmarks in bench/ need besides the app: matplotlib, py-spy, pyinstrument (the `bench`
# extra), wrk and nginx (docs/benchmarks.md says which script to run for which target).
bench: setup
	$(BIN)/pip install --quiet -e '.[test,prod,stores,bench]'
	$(call debian_package,wrk,wrk)
	$(call debian_package,nginx,nginx,$(comma) for bench/nginx_bench.py)

build: setup
	$(BIN)/ikpe-lod build

validate: setup
	$(BIN)/ikpe-lod validate

clean:
	rm -rf build node_modules tools/comunica/node_modules $(VENV)
