# Sourced by .ci/run: a throwaway PostgreSQL server for the study storage tests.
#   start_postgres  makes a cluster in a temporary directory (as the postgres user when run as
#                   root: initdb refuses root), starts it on a free port of 127.0.0.1 with trust
#                   authentication, and exports its URL as PUREGRAD_PG_URL; without PostgreSQL's
#                   binaries it says so and exports nothing (the tests then start their own
#                   server or skip, saying why).
#   stop_postgres   stops that server and deletes its directory (run it from an EXIT trap).

pg_bin_dir() {
  local v
  v=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$v" ] && [ -x "$v/pg_ctl" ]; then echo "$v"; return; fi
  command -v pg_ctl >/dev/null 2>&1 && dirname "$(command -v pg_ctl)"
}

# runs a PostgreSQL binary as the postgres user when we are root
pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  PG_BIN=$(pg_bin_dir)
  if [ -z "$PG_BIN" ]; then
    echo "PostgreSQL is not installed: the tests start none (they skip the PostgreSQL study tests, saying why)" >&2
    return 0
  fi
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/puregrad-ci-pg.XXXXXX")
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  local port
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')
  if pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 >"$PG_DIR/initdb.log" 2>&1 &&
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off" start >/dev/null; then
    export PUREGRAD_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $NF}') runs for the tests at $PUREGRAD_PG_URL" >&2
  else
    echo "PostgreSQL did not start (logs below): the tests start their own server or skip" >&2
    cat "$PG_DIR"/*.log >&2 2>/dev/null
    rm -rf "$PG_DIR"
    PG_DIR=
  fi
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=
  fi
  unset PUREGRAD_PG_URL
}
