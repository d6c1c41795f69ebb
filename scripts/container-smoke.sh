#!/usr/bin/env bash
# Builds Tollgate's image on a Debian base made here with debootstrap (no image registry needed), runs it as it would
# run in production (read-only root file system, SQLite in a volume, non-root), waits for its HEALTHCHECK, logs a user
# in through it, and stops it with SIGTERM. Where docker (with an engine) or debootstrap is missing it says so and
# exits 0, so CI without them passes; it is not part of `npm test`.
#
#   sudo scripts/container-smoke.sh                # SUITE=bookworm by default; DEBIAN_MIRROR=... to choose a mirror;
#                                                  # EXTRA_CA_CERTS=file.pem when a TLS-inspecting proxy sits before npm
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "container-smoke: SKIPPED: $*"; exit 0; }
command -v docker >/dev/null 2>&1 || skip "the docker command is not installed"
docker info >/dev/null 2>&1 || skip "no Docker engine answers (docker info failed)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed"
[ "$(id -u)" = 0 ] || skip "debootstrap needs root"

SUITE=${SUITE:-bookworm}
BASE=tollgate-debian:$SUITE
IMAGE=tollgate:smoke
NAME=tollgate-smoke-$$
VOLUME=tollgate-smoke-$$
work=$(mktemp -d)
cleanup() {
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  docker volume rm "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "container-smoke: $*"; }

if docker image inspect "$BASE" >/dev/null 2>&1; then
  step "base image $BASE exists"
else
  step "debootstrap $SUITE (minbase)"
  debootstrap --variant=minbase "$SUITE" "$work/rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  # debootstrap leaves the host's mirror in sources.list; apt in the image uses the same.
  tar -C "$work/rootfs" -c . | docker import - "$BASE" >/dev/null
  rm -rf "$work/rootfs"
fi

step "docker build (BASE=$BASE)"
# EXTRA_CA_CERTS: a PEM file of CAs the build must trust to reach the npm registry (a TLS-inspecting proxy).
ca_args=()
if [ -n "${EXTRA_CA_CERTS:-}" ]; then ca_args=(--build-arg "EXTRA_CA_PEM=$(cat "$EXTRA_CA_CERTS")"); fi
docker build --build-arg "BASE=$BASE" "${ca_args[@]}" -t "$IMAGE" . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }

step "production dependencies only, non-root user"
[ "$(docker run --rm --entrypoint id "$IMAGE" -u)" = 10001 ] || { echo "the image does not run as uid 10001"; exit 1; }
if docker run --rm --entrypoint sh "$IMAGE" -c 'for dev in typescript @biomejs/biome autocannon node; do test -e node_modules/$dev/package.json && exit 0; done; exit 1'; then
  echo "development dependencies are in the image"; exit 1
fi
docker run --rm --entrypoint node "$IMAGE" bin/tollgate.ts --version

cat >"$work/tollgate.yaml" <<'YAML'
issuer: http://localhost:8080
host: 0.0.0.0
port: 8080
storage: sqlite:/var/lib/tollgate/tollgate.db
password_hashing: { memory_cost: 19456, time_cost: 2 }
connections: [{ name: customers }]
clients:
  - { client_id: smoke, client_secret: smoke-secret-0123456789-abcdefghijklmnop, grant_types: [password] }
users:
  - { connection: customers, username: alice, password: Smoke-test-passw0rd }
YAML
chmod 644 "$work/tollgate.yaml"

step "docker run --read-only with a volume for SQLite"
docker volume create "$VOLUME" >/dev/null
docker run -d --name "$NAME" --read-only -v "$VOLUME:/var/lib/tollgate" -v "$work/tollgate.yaml:/etc/tollgate/tollgate.yaml:ro" \
  -p 127.0.0.1::8080 "$IMAGE" >/dev/null
for _ in $(seq 1 60); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
  [ "$status" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] || { docker logs "$NAME"; exit 1; }
  sleep 1
done
[ "$status" = healthy ] || { echo "health: $status"; docker logs "$NAME"; exit 1; }
step "HEALTHCHECK healthy"

port=$(docker port "$NAME" 8080/tcp | head -1 | sed 's/.*://')
response=$(curl -sS -u 'smoke:smoke-secret-0123456789-abcdefghijklmnop' "http://127.0.0.1:$port/oauth/token" \
  -d grant_type=password -d username=alice -d password=Smoke-test-passw0rd)
case "$response" in
  *'"access_token"'*) step "password grant through the container: access token issued" ;;
  *) echo "login failed: $response"; docker logs "$NAME"; exit 1 ;;
esac

step "docker stop (SIGTERM)"
docker stop -t 20 "$NAME" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
docker logs "$NAME" 2>&1 | grep -q '"msg":"Tollgate stopped"' || { docker logs "$NAME"; echo "no stop line"; exit 1; }
[ "$code" = 0 ] || { echo "exit code $code after SIGTERM"; exit 1; }
step "PASSED: built on debootstrap $SUITE, ran read-only as uid 10001, healthy, logged alice in, stopped cleanly on SIGTERM"
