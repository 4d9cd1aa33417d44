#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the store tests and print
# the shell lines that point the tests at it:
#   SFSEG_TEST_POSTGRES_URL  the SQLAlchemy URL of an empty database
#   SFSEG_TEST_POSTGRES_DIR  the data directory, which stop-postgres.sh removes
# Prints nothing when PostgreSQL is not installed, so those tests skip.
set -euo pipefail
# runuser and useradd live in sbin, which a non-login root shell may leave off PATH.
PATH="$PATH:/usr/sbin:/sbin"

initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$initdb" ]; then
    echo "start-postgres: PostgreSQL is not installed; its tests will be skipped" >&2
    exit 0
fi
bindir=$(dirname "$initdb")

# PostgreSQL refuses to run as root, so the server runs as an unprivileged user.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    run_as=(runuser -u postgres --)
fi

datadir=$(mktemp -d /tmp/sfseg-pg.XXXXXX)
chmod 700 "$datadir"
[ ${#run_as[@]} -eq 0 ] || chown postgres "$datadir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"${run_as[@]}" "$bindir/initdb" -D "$datadir/data" -U sfseg --auth=trust -E UTF8 >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$datadir -c fsync=off" \
    start >/dev/null
"${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U sfseg sfseg_test

echo "export SFSEG_TEST_POSTGRES_URL=postgresql+psycopg://sfseg@127.0.0.1:$port/sfseg_test"
echo "export SFSEG_TEST_POSTGRES_DIR=$datadir"
