# syntax=docker/dockerfile:1
# The web page on nginx, in front of the API (compose): hashed assets cached for a year,
# index.html revalidated, /api/ and the realtime WebSocket proxied to `api:8000`.
# Built from the repository root:
#   docker build -f deploy/docker/web.Dockerfile -t bolttickets-web .
# Pin the base images' digests as app.Dockerfile says.

ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.28.0-alpine
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM ${NGINX_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
# The repository URL, passed by the release workflow.
ARG SOURCE=""
LABEL org.opencontainers.image.title="bolttickets-web" \
      org.opencontainers.image.description="BoltTickets web page on nginx, proxying the API" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY deploy/docker/nginx.conf /etc/nginx/nginx.conf
COPY --from=web /src/src/bolttickets/web/ /usr/share/nginx/html/
# The image's own unprivileged user (uid 101); nginx writes only under /tmp.
USER 101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
