# Tollgate's container image: docs/operations.md#container.
#
# BASE is any Debian (or Debian-like) image with a shell; with no registry at hand, scripts/container-smoke.sh makes
# one with debootstrap from Debian's packages and passes it here.
ARG BASE=debian:bookworm-slim

# Build: npm and Debian's Node.js only install; the Node.js that runs Tollgate is the version package.json pins (the
# `node` package from the npm registry), copied out of the full install.
FROM ${BASE} AS build
# A CA to trust beyond Debian's (a TLS-inspecting proxy between the build and the npm registry), as PEM text; only the
# build stage sees it.
ARG EXTRA_CA_PEM=""
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && if [ -n "$EXTRA_CA_PEM" ]; then printf '%s\n' "$EXTRA_CA_PEM" > /usr/local/share/ca-certificates/extra.crt && update-ca-certificates; fi
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
 && cp -L node_modules/.bin/node /build/node \
 && rm -rf node_modules \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime: the pinned Node.js, production dependencies, the sources (Node.js runs TypeScript as it is), a user of its own.
FROM ${BASE}
RUN (apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*) \
 && groupadd --system --gid 10001 tollgate \
 && useradd --system --uid 10001 --gid tollgate --home-dir /var/lib/tollgate --shell /usr/sbin/nologin tollgate \
 && mkdir -p /var/lib/tollgate /etc/tollgate \
 && chown tollgate:tollgate /var/lib/tollgate
COPY --from=build /build/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /build/node_modules ./node_modules
COPY package.json LICENSE ./
COPY bin ./bin
COPY src ./src
COPY deploy/container/tollgate.yaml /etc/tollgate/tollgate.yaml
ENV NODE_ENV=production TOLLGATE_CONFIG=/etc/tollgate/tollgate.yaml
USER 10001:10001
# SQLite's database (and the MFA key file beside it) live here; everything else may be read-only (docker run --read-only).
VOLUME ["/var/lib/tollgate"]
EXPOSE 8080 9464
# Ready: the store answers and the node is not draining (docs/deployment.md#health-checks).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node.js runs as PID 1 and handles SIGTERM itself: it drains (shutdown_delay), closes and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/tollgate.ts"]
CMD ["serve"]
