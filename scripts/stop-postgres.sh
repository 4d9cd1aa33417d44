#!/usr/bin/env bash
# Stop the server that start-postgres.sh started and remove its data directory.
set -uo pipefail
PATH="$PATH:/usr/sbin:/sbin"  # runuser lives in sbin
datadir=${SFSEG_TEST_POSTGRES_DIR:-}
[ -n "$datadir" ] && [ -d "$datadir/data" ] || exit 0
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")
if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$datadir/data" -m fast -w stop >/dev/null
else
    "$bindir/pg_ctl" -D "$datadir/data" -m fast -w stop >/dev/null
fi
rm -rf "$datadir"
