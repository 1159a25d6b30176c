# Sourced by scripts/test: start a private, throw-away PostgreSQL server on loopback and export
# OC_TEST_POSTGRES_URL. Installs Debian's postgresql package when no server binaries are present.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_test_postgres() {
    local bindir
    bindir=$(pg_bin_dir)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
        echo "PostgreSQL server not found: installing Debian's postgresql package" >&2
        if [ "$(id -u)" -ne 0 ]; then
            echo "error: PostgreSQL is missing and this user cannot apt-get install it" >&2
            return 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bindir=$(pg_bin_dir)
    fi
    local port datadir runas
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    datadir=$(mktemp -d /tmp/oc-connector-pg.XXXXXX)
    runas=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$datadir"
        runas=(runuser -u postgres --)
    fi
    "${runas[@]}" "$bindir/initdb" -D "$datadir/data" -A trust -U postgres -E UTF8 >/dev/null
    "${runas[@]}" "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w -t 60 \
        -o "-p $port -k $datadir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    "${runas[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres oc_test
    export OC_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/oc_test"
    export OC_TEST_POSTGRES_DATADIR="$datadir"
    # stop the server whatever way the test run ends
    OC_PG_STOP=("${runas[@]}" "$bindir/pg_ctl" -D "$datadir/data" -m immediate stop)
    OC_PG_DIR=$datadir
    trap stop_test_postgres EXIT
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

stop_test_postgres() {
    "${OC_PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$OC_PG_DIR"
}
