# Town Hall against PostgreSQL. Build: docker build -t townhall .
# Run:  docker run -p 8000:8000 -e TOWNHALL_DATABASE_URL=postgresql+psycopg://user:pass@db/townhall \
#         -e TOWNHALL_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
#         -e TOWNHALL_SECURE_COOKIES=true townhall
# TOWNHALL_SECRET_KEY is required: the server refuses to start without it (only `--demo` or
# TOWNHALL_DEBUG=true make a key of their own). Keep the same key for every container.
# Also set TOWNHALL_BASE_URL=https://your.host (absolute links in pages and e-mails; its host is
# then allowed; more with TOWNHALL_ALLOWED_HOSTS='["a.example","b.example"]') and the mail
# server: TOWNHALL_SMTP_HOST, _PORT (587), _USER, _PASSWORD, _FROM, _STARTTLS (true). Without
# TOWNHALL_SMTP_HOST, e-mails (confirmation, password reset, invitations) only reach the log.
# With several instances, PostgreSQL and Caddy: compose.yaml and docs/production.md.
# Bookworm pinned: its postgresql-client (15, for `townhall backup` / `restore`) must be of the
# server's major version or newer, and compose.yaml runs PostgreSQL 15.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/townhall
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY app ./app
COPY migrations ./migrations
COPY locales ./locales
# backups/ exists, owned by the app's user, so that a volume mounted there starts writable.
RUN pip install -e . && useradd --system --home /srv/townhall townhall \
    && mkdir -p var backups && chown townhall var backups
USER townhall
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# `serve` applies migrations first; several containers may run behind a load balancer.
CMD ["townhall", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
