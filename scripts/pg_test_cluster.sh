#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (and for trying a server office on one PC).
#
#   eval "$(scripts/pg_test_cluster.sh start)"   # prints: export ENLACE_TEST_PG_URL=...
#   scripts/pg_test_cluster.sh stop
#
# It listens on 127.0.0.1 only, in a data folder under /tmp (ENLACE_PG_DIR), on port ENLACE_PG_PORT
# (54329). The superuser "postgres" connects without a password from this machine (the tests create
# and drop databases); every other login needs its SCRAM password, as on an office server.
# PostgreSQL refuses to run as root: as root, the server runs as the "postgres" OS user.
# Durability is switched off (fsync): the data is thrown away.
set -euo pipefail

PORT="${ENLACE_PG_PORT:-54329}"
DIR="${ENLACE_PG_DIR:-/tmp/enlace-pg-$PORT}"
BIN="${ENLACE_PG_BIN:-}"
if [ -z "$BIN" ]; then
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        BIN="$(pg_config --bindir)"
    else
        BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    fi
fi
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    echo "PostgreSQL server binaries not found (install the 'postgresql' package)" >&2
    exit 1
fi

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"; }

case "${1:-start}" in
start)
    if [ "$(id -u)" -eq 0 ]; then mkdir -p "$DIR"; chown postgres: "$DIR"; chmod 700 "$DIR"; fi
    if [ ! -f "$DIR/PG_VERSION" ]; then
        as_pg "$BIN/initdb" -D "$DIR" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust \
            --auth-host=scram-sha-256 >"$DIR.initdb.log" 2>&1 || { cat "$DIR.initdb.log" >&2; exit 1; }
        # The superuser without a password from this machine only; everyone else with SCRAM.
        as_pg sh -c "printf '%s\n' \
            'local all postgres trust' \
            'host all postgres 127.0.0.1/32 trust' \
            'local all all scram-sha-256' \
            'host all all 127.0.0.1/32 scram-sha-256' > '$DIR/pg_hba.conf'"
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
        as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories='$DIR' \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
             -c password_encryption=scram-sha-256" >/dev/null \
            || { cat "$DIR/server.log" >&2; exit 1; }
    fi
    for _ in $(seq 1 30); do
        if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
            echo "export ENLACE_TEST_PG_URL=$(url)"
            exit 0
        fi
        sleep 1
    done
    echo "PostgreSQL did not start on 127.0.0.1:$PORT (see $DIR/server.log)" >&2
    exit 1
    ;;
stop)
    if [ -f "$DIR/PG_VERSION" ]; then as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null || true; fi
    ;;
destroy)
    "$0" stop
    rm -rf "$DIR" "$DIR.initdb.log"
    ;;
url)
    url
    ;;
*)
    echo "usage: $0 start|stop|destroy|url" >&2
    exit 2
    ;;
esac
