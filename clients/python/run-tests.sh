#!/usr/bin/env bash
# Runs tally_client's tests against a real Tally and a real PostgreSQL: builds the jar if it is
# missing, starts Tally (demo profile: dataset `customers`, token `tally-demo-token`) on a free
# port against a fresh database, runs the tests, then stops Tally and drops the database.
#
# PostgreSQL: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGPASSWORD (postgres).
# TALLY_CLIENT_BIG=0 leaves out the upload of 1,000,000 generated records (about half a minute).
# Arguments are passed to `python3 -m unittest` (e.g. tests.test_upload.UploadTests.test_totals).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}" PGPASSWORD="${PGPASSWORD:-postgres}"

find_java() {
  for home in "${JAVA_HOME:-}" /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/*; do
    [ -x "$home/bin/java" ] || continue
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null)
    if [ -n "$version" ] && [ "$version" -ge 21 ]; then echo "$home/bin/java"; return 0; fi
  done
  return 1
}
java="$(find_java)" || { echo "run-tests.sh: no JDK >= 21 found" >&2; exit 1; }

jar="$(ls -t "$root"/target/tally-*.jar 2>/dev/null | grep -v -e '\.original$' -e '-client\.jar$' | head -n 1 || true)"
if [ -z "$jar" ]; then
  echo "run-tests.sh: no jar in target/: building it (./mvnw -q -DskipTests package)"
  (cd "$root" && ./mvnw -q -DskipTests package)
  jar="$(ls -t "$root"/target/tally-*.jar | grep -v -e '\.original$' -e '-client\.jar$' | head -n 1)"
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
db="tally_pyclient_$(date +%Y%m%d%H%M%S)_$$"
work="$(mktemp -d)"
tally_pid=""

cleanup() {
  status=$?
  if [ -n "$tally_pid" ] && kill -0 "$tally_pid" 2>/dev/null; then
    kill "$tally_pid"
    for _ in $(seq 1 60); do kill -0 "$tally_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$tally_pid" 2>/dev/null || true
  fi
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || status=1
  if [ "$status" -ne 0 ] && [ -f "$work/tally.log" ]; then
    echo "--- the end of Tally's log:" >&2; tail -n 40 "$work/tally.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

psql -X -q -d postgres -c "CREATE DATABASE \"$db\""
TALLY_DB_URL="r2dbc:postgresql://$PGHOST:$PGPORT/$db" TALLY_DB_USER="$PGUSER" TALLY_DB_PASSWORD="$PGPASSWORD" \
  "$java" -Xmx512m -jar "$jar" --spring.profiles.active=demo --server.port="$port" >"$work/tally.log" 2>&1 &
tally_pid=$!
for _ in $(seq 1 360); do
  grep -q "Started TallyApplication" "$work/tally.log" && break
  kill -0 "$tally_pid" 2>/dev/null || { echo "run-tests.sh: Tally exited before it started" >&2; exit 1; }
  sleep 0.5
done
grep -q "Started TallyApplication" "$work/tally.log" || { echo "run-tests.sh: Tally did not start within 180 s" >&2; exit 1; }

cd "$here"
export TALLY_URL="http://127.0.0.1:$port" TALLY_TOKEN=tally-demo-token TALLY_TEST_DB="$db"
if [ $# -eq 0 ]; then set -- discover -v -s tests -t .; else set -- -v "$@"; fi
python3 -m unittest "$@"
