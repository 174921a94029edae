# syntax=docker/dockerfile:1
# The BoltTickets service: one image, three commands (see docs/deploy.md).
#   docker run IMAGE                                  the API: bolttickets serve on :8000
#   docker run IMAGE worker --host 0.0.0.0            a worker; health and metrics on :9100
#   docker run IMAGE migrate                          the schema migration (a one-shot job)
# with the BOLT_* settings of the README (BOLT_ENV=dev alone for a quick embedded try).
# Built from the repository root:
#   docker build -f deploy/docker/app.Dockerfile -t bolttickets-app .
#
# Base images are pinned by full version tag. To pin the digest as well (what CI should
# release), pass the tag with its digest, as `docker buildx imagetools inspect TAG` prints:
#   --build-arg PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest>

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# The web page, built as `make frontend` builds it: into src/bolttickets/web, package data.
FROM ${NODE_IMAGE} AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# The virtual environment, by the same script tests/deploy runs: the lock's runtime
# packages, hash-checked, binary wheels only, and the project's wheel with the page inside.
FROM ${PYTHON_IMAGE} AS venv
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY src/ src/
COPY --from=web /src/src/bolttickets/web/ src/bolttickets/web/
COPY deploy/docker/install-app.sh /usr/local/bin/install-app
RUN install-app /src /opt/bolttickets

FROM ${PYTHON_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
# The repository URL, passed by the release workflow.
ARG SOURCE=""
LABEL org.opencontainers.image.title="bolttickets" \
      org.opencontainers.image.description="BoltTickets API and worker: event-driven ticketing for flash sales" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=venv /opt/bolttickets /opt/bolttickets
# Nothing is written outside /tmp: bytecode was compiled at install time, logs go to
# stdout, and the embedded default's SQLite file (when no database is set) is under /tmp —
# mount a volume there to keep it. A read-only root file system needs only /tmp writable.
ENV PATH=/opt/bolttickets/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOLT_LOG_JSON=true \
    BOLT_DATABASE_URL=sqlite+aiosqlite:////tmp/bolttickets/bolttickets.db \
    HEALTHCHECK_URL=http://127.0.0.1:8000/health/live
WORKDIR /tmp
# A numeric user, so a cluster's runAsNonRoot can verify it without a passwd lookup.
USER 10001:10001
EXPOSE 8000 9100
# No curl in the image; a worker sets HEALTHCHECK_URL=http://127.0.0.1:9100/health/live.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=2)"]
ENTRYPOINT ["bolttickets"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
