# The two commands of a fresh machine: `make run` and `make test`. Everything they need is
# installed by the targets below; nothing is assumed to be on the machine but Python 3.11,
# Node 20 and Debian's apt.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FRONTEND_STAMP := frontend/node_modules/.installed
# The built front end lives in the Python package, which serves it and ships it in its wheel.
WEB := src/bolttickets/web/index.html
LOCK := requirements.lock
TOOLS_BIN := $(CURDIR)/var/tools/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: bench bench-fanout bench-room run test tools lint typecheck pytest frontend frontend-test chromium services-up \
        services-down stack openapi api-client clean chaos lock dist minikube

## make run: the embedded default (SQLite, in-process queue and worker) with the web page
run: $(STAMP) $(WEB)
	BOLT_ENV=dev BOLT_DEMO=1 $(BIN)/bolttickets serve --host $(HOST) --port $(PORT)

## make test: lint, types, every Python test against real PostgreSQL, Redis and Kafka, the
## deployment files checked by their own tools, the front end's unit tests and its
## end-to-end tests in real Chromium
test: $(STAMP) services-up tools lint typecheck pytest frontend-test

# Exactly the versions the lock file pins, each file checked against its hash (pip itself
# included); then the project, built by the locked hatchling rather than whatever is newest.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

## make lock: regenerate requirements.lock from pyproject.toml, keeping the versions it pins
## where they still fit (LOCK_ARGS=--upgrade moves everything to the newest)
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	  --no-emit-find-links --extra dev --extra bench $(LOCK_ARGS) -o $(LOCK) pyproject.toml

lint: $(STAMP)
	$(BIN)/ruff check src tests bench deploy/scripts
	$(BIN)/ruff format --check src tests bench deploy/scripts
	$(BIN)/lint-imports
	$(BIN)/python -m tests.distribution.lock

# The release scripts (deploy/scripts) run on a bare CI runner: standard library only, strict.
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict deploy/scripts

# The front end is built first: tests/distribution installs the wheel and serves its web page.
pytest: $(STAMP) services-up $(WEB)
	eval "$$(scripts/services env)" && \
	  BOLT_TEST_DATABASE_URL="$$BOLT_DATABASE_URL" BOLT_TEST_REDIS_URL="$$BOLT_REDIS_URL" \
	  BOLT_TEST_KAFKA_BOOTSTRAP="$$BOLT_KAFKA_BOOTSTRAP" \
	  PATH="$(TOOLS_BIN):$$PATH" env -u BOLT_DATABASE_URL -u BOLT_REDIS_URL -u BOLT_KAFKA_BOOTSTRAP \
	  $(BIN)/pytest -q

## make tools: the checkers of the deployment files and the observability test servers,
## each built once per machine into var/cache/tools (scripts/tools)
tools:
	scripts/tools install

services-up: $(STAMP)
	scripts/services up

services-down:
	scripts/services down

## make stack: everything for real on this machine — the services, two APIs, two workers
stack: $(STAMP) $(WEB)
	scripts/stack

$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend: $(WEB)

$(WEB): $(FRONTEND_STAMP) $(shell find frontend/src -type f 2>/dev/null) frontend/index.html \
        frontend/vite.config.ts
	cd frontend && npm run build

## make dist: the sdist and the wheel in dist/, the built front end inside both
dist: $(STAMP) $(WEB)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .

chromium:
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }

frontend-test: $(STAMP) $(FRONTEND_STAMP) $(WEB) chromium
	cd frontend && npm run typecheck && npm run lint && npm test && npm run e2e

## make bench: the flash sale on the full stack, its baselines, the realtime fan-out and
## the waiting room (100,000 buyers; `make bench-room` runs only that);
## results in bench/results/ (JSON and PNG). A benchmark, never a test: it fails only when
## an invariant breaks. The sale runs twice, untraced then traced (default sampling, to a
## Jaeger of its own): the two accepted rates price tracing. Then the stock store's Redis
## paths and one ticket type split into 1, 2 and 3 sub-stocks on the Redis Cluster, and the
## CPU each library a booking calls costs on its own (`bench budget`). Ends
## with the run's one table (every target, as a ratio to the stand-alone ceiling of the same
## run) and the capacity model computed from the run's results (docs/capacity.md).
bench: $(STAMP) services-up
	scripts/tools install jaeger
	since=$$(date -u +%Y%m%dT%H%M%SZ) && eval "$$(scripts/services env)" && \
	  $(BIN)/python -m bench sale --mode stack && \
	  $(BIN)/python -m bench sale --mode stack --tracing && \
	  $(BIN)/python -m bench fanout && \
	  $(BIN)/python -m bench room && \
	  $(BIN)/python -m bench reserve && \
	  $(BIN)/python -m bench reserve --sub-stocks 1,2,3 && \
	  $(BIN)/python -m bench budget && \
	  $(BIN)/python -m bench table --since $$since && \
	  $(BIN)/python -m bench capacity --since $$since

## make chaos: ≥ 20 seeded faults (worker, API, Kafka, Redis, PostgreSQL) during a sale on the
## full stack, then the invariants and a table; BOLT_CHAOS_SEED replays a run. `make test`
## runs a three-fault version (tests/chaos/test_chaos.py).
chaos: $(STAMP) services-up
	eval "$$(scripts/services env)" && $(BIN)/python -m tests.chaos --faults $${BOLT_CHAOS_FAULTS:-20}

bench-fanout: $(STAMP)
	$(BIN)/python -m bench fanout

bench-room: $(STAMP) services-up
	eval "$$(scripts/services env)" && $(BIN)/python -m bench room

## make openapi / api-client: the front end's typed client follows the server's API
openapi: $(STAMP)
	$(BIN)/bolttickets openapi > frontend/openapi.json

api-client: openapi $(FRONTEND_STAMP)
	cd frontend && npm run gen:api

## make minikube: both images built inside Minikube, its PostgreSQL, Redis and Kafka
## (deploy/minikube/services.yaml, development only) and the chart with values-minikube.yaml;
## needs minikube, kubectl and helm (docs/deploy.md)
MINIKUBE_NAMESPACE ?= bolttickets
minikube:
	minikube status >/dev/null 2>&1 || minikube start --cpus=4 --memory=8g
	minikube addons enable ingress
	minikube image build -t bolttickets-app:dev -f deploy/docker/app.Dockerfile .
	minikube image build -t bolttickets-web:dev -f deploy/docker/web.Dockerfile .
	kubectl create namespace $(MINIKUBE_NAMESPACE) --dry-run=client -o yaml | kubectl apply -f -
	kubectl apply -n $(MINIKUBE_NAMESPACE) -f deploy/minikube/services.yaml
	for name in postgres redis kafka; do \
	  kubectl rollout status -n $(MINIKUBE_NAMESPACE) statefulset/$$name --timeout=10m || exit 1; \
	done
	helm upgrade --install bolttickets deploy/helm/bolttickets -n $(MINIKUBE_NAMESPACE) \
	  -f deploy/helm/bolttickets/values-minikube.yaml --atomic --wait --timeout 10m

clean:
	rm -rf $(VENV) var frontend/node_modules src/bolttickets/web dist
