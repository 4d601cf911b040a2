"""Settings for the test suite: the real services CI runs, with test-only secrets.

Tests talk to a real PostgreSQL and a real Redis (see tests/conftest.py, which
fails the run early with a clear message when either is unreachable).
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kpo")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("STATICFILES_MANIFEST", "false")
# Close connections after each request and task, so the test database can be dropped at the end.
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# Throttle counters live in Redis and outlive each test's rollback: generous limits keep
# tests independent of their order; the throttling tests set their own rates.
for _scope in ("API_THROTTLE_USER", "API_THROTTLE_ANON", "API_THROTTLE_TOKEN_CREATE"):
    os.environ.setdefault(_scope, "100000/min")

from kpo.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
