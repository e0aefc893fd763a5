# PeerBridge entry point for people and scripts.
#   make up          run the platform locally: the stack, topics, migrations and every process
#   make test        run every test against a real Kafka, PostgreSQL and Redis
#   make stack-up    Kafka (KRaft), PostgreSQL, Redis only; KAFKA_MODE=cluster for 3 Kafka nodes
#   make bench       benchmarks (print figures and same-run baselines)
#   make soak        the whole platform for SOAK_MINUTES (30) with a broker restart halfway
#   make simulate    play a realistic program through the running gateway and check the metrics

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
KAFKA_MODE ?= single
# kustomize for deploy-check, built once from the Go module (needs Go; or pass KUSTOMIZE=/path)
KUSTOMIZE_VERSION := v5.8.1
KUSTOMIZE ?= .cache/kustomize-$(KUSTOMIZE_VERSION)/kustomize
# docker compose for compose-smoke, built once from the Go module (or pass DOCKER_COMPOSE=/path)
COMPOSE_VERSION := v2.29.7
DOCKER_COMPOSE ?= .cache/compose-$(COMPOSE_VERSION)/docker-compose
DB_SERVICES := scheduling escalation metrics
PYTEST_ARGS ?=
SIMULATE_ARGS ?= --participants 200 --weeks 8 --seed 7 --check

.PHONY: console-messages console-users install lock up down stack-up stack-down stack-status topics migrate test lint docs bench \
        bench-each soak clean deploy-render deploy-check simulate contracts images images-smoke compose-smoke api-lint

install: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt constraints.txt shared/pyproject.toml services/*/pyproject.toml deploy/pyproject.toml simulator/pyproject.toml services/console/assets.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	bash services/console/assets.sh
	touch $@

# Re-pin every dependency after changing a pyproject.toml.
lock:
	rm -rf $(VENV).lock && $(PYTHON) -m venv $(VENV).lock
	$(VENV).lock/bin/pip install -q -r requirements-dev.txt
	$(VENV).lock/bin/pip freeze --exclude-editable | grep -v '^peerbridge' > constraints.txt
	rm -rf $(VENV).lock

stack-up: install
	bash deploy/local/stack.sh up $(KAFKA_MODE)
	$(MAKE) --no-print-directory topics migrate

stack-down:
	bash deploy/local/stack.sh down

stack-status:
	bash deploy/local/stack.sh status

topics: install
	$(VENV)/bin/peerbridge-topics create

migrate: install
	@for svc in $(DB_SERVICES); do \
	  echo "[migrate] $$svc"; \
	  $(VENV)/bin/alembic -c services/$$svc/alembic.ini upgrade head || exit 1; \
	done

up: stack-up
	bash deploy/local/keycloak.sh start
	bash deploy/local/services.sh start
	@$(MAKE) --no-print-directory console-users
	@echo
	@echo "PeerBridge is up."
	@echo "  stack:      Kafka 127.0.0.1:9092, PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379"
	@echo "  gateway:    http://127.0.0.1:8000/docs   (services: 8001 scheduling, 8002 escalation, 8003 metrics; logs: .stack/services/)"
	@echo "  console:    http://127.0.0.1:8010   (sign in at Keycloak http://127.0.0.1:8080, realm peerbridge; make simulate for cases)"
	@$(VENV)/bin/peerbridge-console-realm users
	@echo "  try:        TOKEN=\$$($(VENV)/bin/peerbridge-dev-token --org org-demo --role program_admin)"
	@echo "              curl -s -H \"Authorization: Bearer \$$TOKEN\" http://127.0.0.1:8000/v1/programs"
	@echo "  stop:       make down"

down:
	bash deploy/local/services.sh stop
	bash deploy/local/keycloak.sh stop
	bash deploy/local/stack.sh down

test: stack-up
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# Regenerate the event catalog and the AsyncAPI document from the topic registry and the event models.
docs: install
	$(PY) -m peerbridge_shared.catalog_docs > docs/events.md
	$(PY) -m peerbridge_shared.asyncapi > docs/asyncapi.json

# The console's messages: extracted from its templates and code (services/console/babel.cfg) into
# locale/console.pot, then merged into each language's catalog (translate the new entries).
CONSOLE_LOCALE := services/console/src/peerbridge_console/locale
console-messages: install
	cd services/console && ../../$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
	  --omit-header -o src/peerbridge_console/locale/console.pot .
	$(VENV)/bin/pybabel update -D console -i $(CONSOLE_LOCALE)/console.pot -d $(CONSOLE_LOCALE) --no-fuzzy-matching \
	  --ignore-obsolete

# The services' contracts the gateway documents (ADR 0005), from the services' own OpenAPI documents.
contracts: install
	$(PY) -m peerbridge_deploy contracts

# The public OpenAPI document through Spectral, Redocly, openapi-typescript + tsc and
# openapi-python-client (tools/api-lint; npm packages pinned there).
api-lint: install
	bash tools/api-lint/run.sh

# Compose, Dockerfiles and Kubernetes manifests from deploy/processes.yaml and the topic registry.
deploy-render: install
	$(PY) -m peerbridge_deploy render

# No engine, no cluster: drift, kustomize build of every overlay, Kubernetes + Strimzi schemas,
# manifest lint, compose specification.
deploy-check: install $(KUSTOMIZE)
	$(PY) -m peerbridge_deploy check --kustomize $(KUSTOMIZE)

.cache/kustomize-$(KUSTOMIZE_VERSION)/kustomize:
	@command -v go >/dev/null || { echo "deploy-check builds kustomize with Go: install Go or pass KUSTOMIZE=/path/to/kustomize"; exit 1; }
	GOTOOLCHAIN=local GOBIN=$(CURDIR)/$(@D) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# Every services/*/Dockerfile built with podman (deploy/images/build.sh; PYTHON_IMAGE, IMAGE_TAG).
images:
	bash deploy/images/build.sh

# The platform run from those images as Kubernetes would run them, then the end-to-end smoke
# through the containerized gateway (tests/images; needs the local stack and `make images`).
images-smoke: install
	PEERBRIDGE_IMAGE_TAG=$${IMAGE_TAG:-dev} $(PY) -m pytest -p no:cacheprovider tests/images $(PYTEST_ARGS)

# docker-compose.yml run by docker compose (v2, built once from its Go module; or pass
# DOCKER_COMPOSE=/path) against podman's Docker API, on the images built here and the third-party
# stand-ins (deploy/images/build.sh --infra), then a smoke through its gateway (tests/images/test_compose.py).
compose-smoke: install $(DOCKER_COMPOSE)
	bash deploy/images/build.sh --infra
	PEERBRIDGE_IMAGE_TAG=$${IMAGE_TAG:-dev} PEERBRIDGE_COMPOSE_SMOKE=1 DOCKER_COMPOSE=$(DOCKER_COMPOSE) \
	  $(PY) -m pytest -p no:cacheprovider tests/images/test_compose.py $(PYTEST_ARGS)

.cache/compose-$(COMPOSE_VERSION)/docker-compose:
	@command -v go >/dev/null || { echo "compose-smoke builds docker compose with Go: install Go or pass DOCKER_COMPOSE=/path"; exit 1; }
	GOTOOLCHAIN=local GOBIN=$(CURDIR)/$(@D) go install github.com/docker/compose/v2/cmd@$(COMPOSE_VERSION)
	mv $(@D)/cmd $@

bench: stack-up
	@rm -f .stack/bench-results.jsonl
	PEERBRIDGE_BENCH_RESULTS=.stack/bench-results.jsonl $(MAKE) --no-print-directory bench-each
	$(PY) bench/summary.py .stack/bench-results.jsonl

bench-each:
	$(PY) bench/kafka_roundtrip.py
	$(PY) bench/scheduling_attendance.py
	$(PY) bench/escalation_signal_to_page.py
	$(PY) bench/gateway_reads.py
	$(PY) bench/gateway_push_latency.py
	$(PY) bench/signal_to_socket_under_load.py
	$(PY) bench/metrics_throughput.py
	$(PY) bench/console_inbox.py
	$(PY) bench/console_dashboards.py

# The platform for SOAK_MINUTES under steady simulator load, the local broker restarted halfway
# (nothing else may use it meanwhile): lost or stalled real-time events, RSS per process (bench/soak.py).
SOAK_MINUTES ?= 30
soak: stack-up
	$(PY) bench/soak.py --minutes $(SOAK_MINUTES)

# A realistic program through the gateway of `make up` (docs/simulator.md); SIMULATE_ARGS to change it.
simulate: install
	$(VENV)/bin/peerbridge-simulate $(SIMULATE_ARGS)
	@$(MAKE) --no-print-directory console-users

# The local Keycloak's demo clinicians and supervisors work in every program of org-demo (program ids
# are made at run time by scheduling; docs/console.md).
console-users: install
	@$(VENV)/bin/peerbridge-console-realm programs --org org-demo \
	  --token "$$($(VENV)/bin/peerbridge-dev-token --org org-demo --role program_admin --ttl 120)" \
	  || echo "[console] demo users' programs not set (is Keycloak up? make up)"

clean: down
	rm -rf .stack $(VENV)
