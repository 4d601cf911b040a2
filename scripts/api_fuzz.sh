#!/usr/bin/env bash
# Schemathesis against the OpenAPI schema on a live gunicorn, with an API token:
# zero 5xx responses and zero responses that violate the schema, or this exits
# non-zero. Run by `make api-fuzz` (and CI). Uses its own PostgreSQL database
# with a small demo data set; the token belongs to the demo procurement manager.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
DB_NAME=${FUZZ_DB_NAME:-kpo_fuzz}
PGURL=${FUZZ_PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${FUZZ_PORT:-18931}
EXAMPLES=${FUZZ_MAX_EXAMPLES:-20}
export DATABASE_URL="$PGURL/$DB_NAME"
export CELERY_BROKER_URL=${FUZZ_BROKER_URL:-redis://127.0.0.1:6379/14}
export DEBUG=false SECRET_KEY=fuzz-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
export STATICFILES_MANIFEST=false API_THROTTLE_USER=1000000/min API_THROTTLE_ANON=1000000/min
export WEBHOOK_ALLOW_PRIVATE_URLS=false EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
SERVER_LOG=${FUZZ_SERVER_LOG:-artifacts/api-fuzz-server.log}
mkdir -p "$(dirname "$SERVER_LOG")"

psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME" -c "CREATE DATABASE $DB_NAME"
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py seed_demo --vendors 40 --no-progress -v0
TOKEN=$("$BIN/python" manage.py shell -v0 -c "
from django.contrib.auth import get_user_model
from knox.models import get_token_model
_, key = get_token_model().objects.create(user=get_user_model().objects.get(username='manager'), expiry=None)
print(key)")

"$BIN/python" -m gunicorn kpo.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --log-level warning >"$SERVER_LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
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
