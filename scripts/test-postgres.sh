#!/usr/bin/env bash
# The integration tests again, on PostgreSQL: every test of a temporary installation
# (tests/common's Project) stores in a throw-away database of the test server instead of its
# SQLite file, and reads its tables through the same helpers. The library's own tests need no
# second pass: store::testing::each_backend already runs them on both backends.
#
#   scripts/test-postgres.sh                  # every integration test
#   scripts/test-postgres.sh --test alerts    # one file; cargo test's arguments pass through
#
# Uses the server in PANTAU_TEST_POSTGRES when set; otherwise starts a throw-away cluster
# (scripts/pg-test-cluster.sh) for the run and stops it after. Tests about the SQLite file
# itself print a notice and return (docs/testing.md lists them).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PANTAU_TEST_POSTGRES:-}" ]; then
    export PANTAU_PG_STATE="${TMPDIR:-/tmp}/pantau-pg-suite-$$"
    eval "$(scripts/pg-test-cluster.sh start)"
    trap 'scripts/pg-test-cluster.sh stop' EXIT
fi

# Every integration test file unless the arguments name some (the library's tests are left out).
case " $* " in
    *" --test "*) ;;
    *) set -- --test '*' "$@" ;;
esac
PANTAU_TEST_BACKEND=postgres PANTAU_REQUIRE_POSTGRES=1 cargo test "$@"
