#!/bin/sh
# A throw-away PostgreSQL cluster for the tests that run against the PostgreSQL backend.
#
#   eval "$(scripts/pg-test-cluster.sh start)"   # starts one, exports PANTAU_TEST_POSTGRES
#   scripts/pg-test-cluster.sh stop              # stops it and removes its folder
#
# Beside it runs a streaming replica on a second port (PANTAU_TEST_POSTGRES_REPLICA), which
# the tests of `[storage] read_url` read.
#
# The cluster lives in a temporary folder, listens on a free loopback port, trusts local
# connections (nothing but this machine's tests reach it) and is owned by an unprivileged
# user: PostgreSQL refuses to run as root, so under root it runs as `nobody`. Needs Debian's
# `postgresql` package (`apt-get install postgresql`). Tests given no PANTAU_TEST_POSTGRES skip
# their PostgreSQL half with a printed notice. PANTAU_PG_STATE chooses the folder (a second
# cluster beside the first); PANTAU_PG_DURABLE=1 keeps the server's durability defaults (fsync,
# synchronous commit, full-page writes) for benchmarks.
set -eu

STATE=${PANTAU_PG_STATE:-${TMPDIR:-/tmp}/pantau-pg-test}

bindir() {
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && last=$d
    done
    [ -n "${last:-}" ] || { echo "pg-test-cluster: PostgreSQL tidak terpasang (apt-get install postgresql)" >&2; exit 1; }
    echo "$last"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

case "${1:-}" in
start)
    BIN=$(bindir)
    if [ -f "$STATE/port" ] && as_owner "$BIN/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
        echo "export PANTAU_TEST_POSTGRES=postgres://pantau@127.0.0.1:$(cat "$STATE/port")/postgres"
        [ -f "$STATE/replica_port" ] \
            && echo "export PANTAU_TEST_POSTGRES_REPLICA=postgres://pantau@127.0.0.1:$(cat "$STATE/replica_port")/postgres"
        exit 0
    fi
    rm -rf "$STATE"
    mkdir -p "$STATE"
    [ "$(id -u)" = 0 ] && chown nobody "$STATE"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$BIN/initdb" -D "$STATE/data" -U pantau -A trust -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 \
        || { cat "$STATE/initdb.log" >&2; exit 1; }
    # Throw-away data: no fsync, more connections for the multi-node tests.
    NOSYNC="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${PANTAU_PG_DURABLE:-}" = 1 ] && NOSYNC=
    as_owner "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w \
        -o "-p $PORT -k $STATE -c listen_addresses=127.0.0.1 $NOSYNC -c max_connections=300" \
        start >/dev/null || { cat "$STATE/server.log" >&2; exit 1; }
    echo "$PORT" >"$STATE/port"
    echo "export PANTAU_TEST_POSTGRES=postgres://pantau@127.0.0.1:$PORT/postgres"
    # A streaming replica of it on a second port, for the tests of `[storage] read_url`
    # (PANTAU_PG_NO_REPLICA=1 leaves it out).
    if [ "${PANTAU_PG_NO_REPLICA:-}" != 1 ]; then
        RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        as_owner "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U pantau -D "$STATE/replica" -R -X stream \
            >"$STATE/basebackup.log" 2>&1 || { cat "$STATE/basebackup.log" >&2; exit 1; }
        as_owner "$BIN/pg_ctl" -D "$STATE/replica" -l "$STATE/replica.log" -w \
            -o "-p $RPORT -k $STATE -c listen_addresses=127.0.0.1 $NOSYNC -c max_connections=300" \
            start >/dev/null || { cat "$STATE/replica.log" >&2; exit 1; }
        echo "$RPORT" >"$STATE/replica_port"
        echo "export PANTAU_TEST_POSTGRES_REPLICA=postgres://pantau@127.0.0.1:$RPORT/postgres"
    fi
    ;;
stop)
    BIN=$(bindir)
    [ -d "$STATE/replica" ] && as_owner "$BIN/pg_ctl" -D "$STATE/replica" -m immediate stop >/dev/null 2>&1 || true
    [ -d "$STATE/data" ] && as_owner "$BIN/pg_ctl" -D "$STATE/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$STATE"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
