# Start / stop a private PostgreSQL server on 127.0.0.1 for the test suite.
# Exports LIVERMDT_TEST_POSTGRES_URL. PostgreSQL refuses to run as root, so as root the server
# runs as the 'postgres' system user (created by the Debian package).
PG_PORT="${PG_PORT:-54329}"
PG_DIR="${PG_DIR:-/tmp/livermdt-ci-pg}"

_pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  echo "$d"
}

_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin; bin=$(_pg_bin)
  [ -n "$bin" ] || { echo "PostgreSQL is not installed" >&2; return 1; }
  stop_postgres  # a server left over from an earlier run would hold the port and the folder
  rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  _as_pg "$bin/initdb" -D "$PG_DIR/data" -U livermdt --auth=trust >/dev/null
  _as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" -l "$PG_DIR/log" -w start >/dev/null
  _as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U livermdt livermdt_test
  export LIVERMDT_TEST_POSTGRES_URL="postgresql+psycopg://livermdt@127.0.0.1:$PG_PORT/livermdt_test"
  echo "PostgreSQL for tests: $LIVERMDT_TEST_POSTGRES_URL"
}

stop_postgres() {
  local bin; bin=$(_pg_bin)
  [ -n "$bin" ] && [ -d "$PG_DIR/data" ] && _as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
}
