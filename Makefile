# The first seed's commands around docker compose: make up, make down, make logs, make ps.
# `make up` makes .env from .env.example the first time, with a random server token.

COMPOSE ?= docker compose
# `--version` in the image names the commit (the build context has no .git)
export CLAUDED_BUILD_COMMIT := $(shell git log -1 --format='%h %cs' --abbrev=7 2>/dev/null)

.PHONY: up down logs ps build

up: .env
	$(COMPOSE) up -d --build
	@echo "clauded: http://127.0.0.1:$${CLAUDED_PUBLISH_PORT:-8000} (the token is CLAUDED_SERVER_TOKEN in .env)"

down:
	$(COMPOSE) down

logs:
	$(COMPOSE) logs -f --tail=200

ps:
	$(COMPOSE) ps

build: .env
	$(COMPOSE) build

.env:
	@token=$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n'); \
	sed "s/^CLAUDED_SERVER_TOKEN=.*/CLAUDED_SERVER_TOKEN=$$token/" .env.example > .env.tmp && \
	chmod 600 .env.tmp && mv .env.tmp .env
	@echo "wrote .env with a new CLAUDED_SERVER_TOKEN; put your ANTHROPIC_API_KEY in it"
