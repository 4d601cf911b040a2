#!/usr/bin/env bash
# Schemathesis against the OpenAPI schema on a live gunicorn, with an API token:
# zero 5xx responses and zero responses that violate the schema, or this exits
# non-zero. Run by `make test` and `make api-fuzz` inside the test harness
# (tests/harness), whose PostgreSQL and Redis it uses: a database of its own with a
# small demo data set, dropped at the end; the token belongs to the demo procurement manager.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
: "${DATABASE_URL:?run it through the test harness: make api-fuzz}"
: "${CELERY_BROKER_URL:?run it through the test harness: make api-fuzz}"
PGURL=${DATABASE_URL%/*}
DB_NAME=kpo_fuzz_${KPO_TEST_RUN_ID:-$$}
PORT=${FUZZ_PORT:-$("$BIN/python" -c 'from tests.harness.services import free_port; print(free_port())')}
EXAMPLES=${FUZZ_MAX_EXAMPLES:-20}
export DATABASE_URL="$PGURL/$DB_NAME"
export REDIS_KEY_PREFIX="${REDIS_KEY_PREFIX:-}fuzz:"
export DEBUG=false SECRET_KEY=fuzz-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
export STATICFILES_MANIFEST=false API_THROTTLE_USER=1000000/min API_THROTTLE_ANON=1000000/min
export WEBHOOK_ALLOW_PRIVATE_URLS=false EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
SERVER_LOG=${FUZZ_SERVER_LOG:-artifacts/api-fuzz-server.log}
mkdir -p "$(dirname "$SERVER_LOG")"

psql "$PGURL/postgres" -qc "CREATE DATABASE $DB_NAME"
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" || true
}
trap cleanup EXIT
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py seed_demo --vendors 40 --no-progress -v0
TOKEN=$("$BIN/python" manage.py shell -v0 -c "
from django.contrib.auth import get_user_model
from knox.models import get_token_model
_, key = get_token_model().objects.create(user=get_user_model().objects.get(username='manager'), expiry=None)
print(key)")

GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 GUNICORN_LOG_LEVEL=warning GUNICORN_ACCESS_LOG= \
  "$BIN/python" -m gunicorn --config gunicorn.conf.py >"$SERVER_LOG" 2>&1 &
SERVER=$!
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done

# Revoking the token in use would leave the rest of the run unauthenticated, so DELETEs
# and the token endpoint are left out. The coverage phase (boundary values of every
# parameter, ~3 minutes) runs with FUZZ_PHASES=examples,coverage,fuzzing,stateful.
"$BIN/st" run "http://127.0.0.1:$PORT/api/schema/" \
  --header "Authorization: Token $TOKEN" \
  --checks not_a_server_error,response_schema_conformance \
  --exclude-path /api/v1/auth/token/ --exclude-method DELETE \
  --phases "${FUZZ_PHASES:-examples,fuzzing,stateful}" \
  --max-examples "$EXAMPLES" --seed 2026 --workers 2 \
  --request-timeout 30 --suppress-health-check all --warnings off
