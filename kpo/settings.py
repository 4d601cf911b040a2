"""KPO Match settings, read from the environment (12-factor).

Defaults let a newcomer run the demo with nothing but Python: SQLite and the
embedded (eager) task mode when DATABASE_URL / CELERY_BROKER_URL are unset.
Production (docker-compose.yml) and CI use PostgreSQL, Redis and real workers.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

from kpo.api.version import API_VERSION
from kpo.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# On by default so a checkout works with no configuration (as `make demo` does);
# every deployment sets DEBUG=false (docker-compose.yml does), which then demands a
# real SECRET_KEY, and `manage.py check --deploy` fails while DEBUG is on.
DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production-0123456789"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular_sidecar",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "axes",
    "django_htmx",
    "kpo",
    "vendors",
    "engagements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after the security headers: a request that failed because the database (or the
    # Redis it needed) is down is answered 503 with Retry-After, JSON under /api/ (kpo/outage.py).
    "kpo.outage.OutageMiddleware",
    # Before anything reads the body: an oversized API request is refused with a JSON 413.
    "kpo.middleware.ApiBodySizeLimitMiddleware",
    # NUL in the address: 400; a chunked body without Content-Length: 411 (kpo/request_guards.py).
    "kpo.request_guards.RequestShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in viewer's time zone for every page (not the API, which answers in UTC).
    "engagements.organizations.timezones.TimeZoneMiddleware",
    # After authentication: an Idempotency-Key is scoped to the user.
    "kpo.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in brute-force protection, for a cool-off rather than forever (kpo/sign_in_lockout.py):
# the (username, address) pair locks after AXES_FAILURE_LIMIT failures; an address trying many
# usernames (spraying) locks after AXES_ADDRESS_FAILURE_LIMIT, higher since offices share one.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
if AXES_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("AXES_ADDRESS_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT.")
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "kpo.sign_in_lockout.SignInLockoutHandler"
# The client's address by the API throttles' rule (API_NUM_PROXIES trusted proxies).
AXES_CLIENT_IP_CALLABLE = "kpo.sign_in_lockout.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "kpo.urls"
WSGI_APPLICATION = "kpo.wsgi.application"
ASGI_APPLICATION = "kpo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kpo.context_processors.membership",
                "kpo.context_processors.viewer_zone",
            ],
        },
    },
]

# Database: SQLite file by default; DATABASE_URL=postgres://... in production and CI.
DATABASE_URL = env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Short queries, many at once: PostgreSQL's JIT compiles for longer than a directory query
    # runs (140 ms against 40), and a parallel plan takes cores other requests need, and picks
    # a scan where an index serves one request better (README, "Benchmarks"). Both are
    # settings of each connection, so a deployment can choose otherwise.
    # random_page_cost 1.1 (SSD or a database held in memory; PostgreSQL's default 4 assumes
    # spinning disks): a search matching 3,000 vendors reads them by index, not by scanning
    # all 100,000 (48 ms -> 15 ms).
    # work_mem 32 MB (PostgreSQL's default is 4): a broad search's bitmap of matching rows stays
    # exact; at 4 MB on 1,000,000 vendors it turned lossy, and 370,000 rows of the pages it
    # named were tested again (a word matching 184,000 vendors: 598 -> 462 ms).
    DB_WORK_MEM_MB = env_int("DB_WORK_MEM_MB", 32)
    if DB_WORK_MEM_MB < 1:
        raise ImproperlyConfigured("DB_WORK_MEM_MB must be at least 1.")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit={'on' if env_bool('DB_JIT', False) else 'off'}"
        f" -c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS_PER_QUERY', 0)}"
        f" -c random_page_cost={env_float('DB_RANDOM_PAGE_COST', 1.1, minimum=0.0):g}"
        f" -c work_mem={DB_WORK_MEM_MB}MB"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "kpo.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Money: every amount is stored with its ISO 4217 code and converted through
# ExchangeRate rows into this base currency.
BASE_CURRENCY = env_str("BASE_CURRENCY", default="USD")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers and crawlers ask for at the site's root (/favicon.ico, the admin's too), served by
# whitenoise from here with the same caching headers as static files.
WHITENOISE_ROOT = BASE_DIR / "kpo" / "root_files"
STATICFILES_MANIFEST = env_bool("STATICFILES_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATICFILES_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Security. Production defaults are strict (`manage.py check --deploy` is clean);
# each can be relaxed through the environment, e.g. behind a TLS-terminating proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# Probes from the orchestrator speak plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: scripts, styles, fonts and images from
# this site only; no inline script or style, no eval, no plugin, no framing, forms post here only.
# Every page keeps its behaviour in static files (htmx is told not to eval nor inject styles,
# Swagger UI's start-up script is a file); a Chromium test visits the pages with the console clean.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],  # Swagger UI's icons are data: URLs
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="KPO Match <noreply@kpo-match.example>")
TEAM_INVITATION_TTL_HOURS = env_int("TEAM_INVITATION_TTL_HOURS", 72)  # a vendor team invitation link's lifetime


def _throttle_rate(name: str, default: str) -> str | None:
    """A DRF rate such as "600/min"; "off" disables that throttle (e.g. for a benchmark)."""
    value = env_str(name, default=default).strip()
    if value.lower() in {"off", "none"}:
        return None
    count, _, period = value.partition("/")
    if not count.isdigit() or period[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(f'{name} must look like "600/min" (per s, min, hour or day) or be "off".')
    return value


REST_FRAMEWORK = {
    # A token first: its scheme names the WWW-Authenticate challenge, so a request
    # without credentials is answered 401 (DRF answers 403 when the first scheme
    # has no challenge, as session authentication has none).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kpo.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "kpo.api.schema.BoundedAutoSchema",  # states every enforced bound
    "EXCEPTION_HANDLER": "kpo.api.errors.api_exception_handler",
    # JSON only, with a nesting limit (kpo/api/parsers.py): the schema then lists one body per
    # operation, as generated clients need. The two file uploads (a proposal's attachment, the
    # CSV import) add multipart on their own views.
    "DEFAULT_PARSER_CLASSES": ["kpo.api.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",  # APIClient in tests sends what the API takes
    "DEFAULT_THROTTLE_CLASSES": [
        "kpo.api.throttling.TokenRateThrottle",
        "kpo.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": _throttle_rate("API_THROTTLE_USER", "600/min"),  # per token (or browser session)
        "anon": _throttle_rate("API_THROTTLE_ANON", "60/min"),  # per address, public endpoints
        "token_create": _throttle_rate("API_THROTTLE_TOKEN_CREATE", "10/min"),  # per address
    },
    # Proxies in front of the app whose X-Forwarded-For entries are trusted for the
    # client address; 0 uses the connection's address, so the header cannot be forged
    # to dodge the anonymous throttle.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0),
}
# The largest API request body (JSON); a proposal's multipart upload may carry
# PROPOSAL_ATTACHMENT_MAX_MB + 1 MiB (kpo/middleware.py).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
API_IMPORT_MAX_BYTES = env_int("API_IMPORT_MAX_BYTES", 50 * 1024 * 1024)  # a vendor CSV import
KNOX_TOKEN_MODEL = "kpo.ApiToken"  # noqa: S105 (a model name, not a secret)
# knox's own migrations create its default token table even when the model is
# swapped for kpo.ApiToken; without migrations it creates nothing.
MIGRATION_MODULES = {"knox": None}
# Keys start with "kpo_" so secret scanners (and people) recognize a leaked one.
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False, "TOKEN_PREFIX": "kpo_"}
# An expired token stays listed (marked expired) on /account/tokens/ so its owner
# learns why a system stopped working; the daily beat task deletes it this many
# days after it expired.
API_TOKEN_PURGE_AFTER_DAYS = env_int("API_TOKEN_PURGE_AFTER_DAYS", 30)
if API_TOKEN_PURGE_AFTER_DAYS < 0:
    raise ImproperlyConfigured("API_TOKEN_PURGE_AFTER_DAYS must be 0 or more.")
# A new token expires after this many days unless its creator chooses another term or, explicitly,
# none (kpo/api/tokens.py): a forgotten integration's key stops working on its own.
API_TOKEN_DEFAULT_EXPIRY_DAYS = env_int("API_TOKEN_DEFAULT_EXPIRY_DAYS", 90)
if not 1 <= API_TOKEN_DEFAULT_EXPIRY_DAYS <= 365:
    raise ImproperlyConfigured("API_TOKEN_DEFAULT_EXPIRY_DAYS must be between 1 and 365.")
SPECTACULAR_SETTINGS = {
    "TITLE": "KPO Match API",
    "DESCRIPTION": "Vendor matching for knowledge process outsourcing.",
    "VERSION": API_VERSION,  # kpo/api/version.py: changes with the schema (make api-lock)
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get components of their own (VendorRequest, PatchedVendorRequest, ...):
    # read-only fields (id, change_seq, created_at, ...) stay out of what a client must send.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the drf-spectacular-sidecar package, through our static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "CONTACT": {"name": "KPO Match integration support", "email": "integrations@kpo-match.example"},
    # Relative: the schema's own origin (tests/kpo/test_schema_lint.py lints it with Spectral).
    "SERVERS": [{"url": "/", "description": "The server this schema is served from."}],
    "TAGS": [
        {
            "name": "v1",
            "description": "API v1: vendors, taxonomy, clients, requirements, match runs, RFPs, engagements, "
            "exchange rates, webhooks and tokens (DESIGN.md, REST API v1).",
        }
    ],
    # The default enum hook, then ours: a nullable $ref typed so strict validators accept null.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kpo.api.schema.postprocess_nullable_refs",
        "kpo.api.schema.postprocess_request_defaults",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LocationClassEnum": "engagements.models.LocationClass",
        "WebhookEventEnum": "engagements.models.WebhookEvent",
        "MatchFlagCodeEnum": "engagements.matching.serializers.MATCH_FLAG_CODES",
        "MatchFlagCauseEnum": "engagements.matching.serializers.MATCH_FLAG_CAUSES",
        "MatchExclusionReasonEnum": "engagements.matching.scoring.EXCLUSION_REASON_CODES",
    },
}

# Celery. With CELERY_BROKER_URL unset, tasks run in-process at once (the
# embedded task mode of the demo): no Redis and no worker needed.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Embedded mode: a failing task marks its run failed rather than failing the web request.
CELERY_TASK_EAGER_PROPAGATES = False
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Long tasks: acknowledge after the work, requeue when the worker dies, fetch one at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
# Redis redelivers unacknowledged messages after the visibility timeout: it must
# exceed the hard time limit, or a long task runs twice.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT.")
# A prefix for every key this app writes to Redis (broker queues and cache), so one Redis can
# serve several apps or test runs without their keys meeting; empty by default.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int | str] = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
if REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "engagements.tasks.match_run_execute": {"queue": "matching"},
    "engagements.tasks.match_run_chunk": {"queue": "matching"},
    "engagements.tasks.vendor_export_run": {"queue": "matching"},  # long jobs share the long queue
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    # Proves end to end that a worker consumes: /readyz reports the age of the last beat.
    "worker-heartbeat": {"task": "kpo.tasks.heartbeat", "schedule": 60.0},
    # "match-runs-sweep" is added below, every MATCH_SWEEP_SECONDS (with the matching settings).
    # Forgets Idempotency-Keys past their lifetime.
    "idempotency-purge": {"task": "kpo.tasks.idempotency_purge", "schedule": 3600.0},
    # Deletes API tokens expired more than API_TOKEN_PURGE_AFTER_DAYS ago.
    "api-tokens-purge": {"task": "kpo.tasks.api_tokens_purge", "schedule": 86400.0},
    # Sends webhook deliveries that are due but whose message was lost or never given a countdown.
    "webhook-deliveries-sweep": {"task": "engagements.tasks.webhook_deliveries_sweep", "schedule": 60.0},
    # Deletes proposal attachments no proposal names (left by rolled-back saves).
    "proposal-attachments-sweep": {"task": "engagements.tasks.proposal_attachments_sweep", "schedule": 86400.0},
    # Resends vendor exports never sent, gives lapsed claims back (a dead worker), fails the hopeless.
    "vendor-exports-sweep": {"task": "engagements.tasks.vendor_exports_sweep", "schedule": 60.0},
}
HEARTBEAT_MAX_AGE_SECONDS = env_int("HEARTBEAT_MAX_AGE_SECONDS", 300)

# Cache: API throttle counters (and anything else cached) in Redis, shared by every
# worker process and host; the broker's Redis unless REDIS_CACHE_URL names another.
# Without Redis (the demo) each process keeps its own in memory.
REDIS_CACHE_URL = env_str(
    "REDIS_CACHE_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES: dict[str, dict[str, Any]]
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": f"{REDIS_KEY_PREFIX}kpo-cache",
            # A stalled Redis must not hang requests (the throttles then let requests through).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Encoded vendor documents for API list pages, keyed by (id, change_seq): immutable
# entries, so each process keeps its own in memory (no network hop on the hot path).
# About 1.6 kB an entry; 0 turns the cache off (vendors/api/documents.py).
VENDOR_DOCUMENT_CACHE_ENTRIES = env_int("VENDOR_DOCUMENT_CACHE_ENTRIES", 10000)
if VENDOR_DOCUMENT_CACHE_ENTRIES < 0:
    raise ImproperlyConfigured("VENDOR_DOCUMENT_CACHE_ENTRIES must be 0 (off) or more.")
CACHES["vendor_documents"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "vendor-documents",
    "TIMEOUT": None,  # entries never go stale; the oldest are culled past MAX_ENTRIES
    "OPTIONS": {"MAX_ENTRIES": max(VENDOR_DOCUMENT_CACHE_ENTRIES, 1)},
}

# Hard time limits of one webhook delivery attempt (its task, on the default queue).
WEBHOOK_TASK_SOFT_TIME_LIMIT = 60
WEBHOOK_TASK_TIME_LIMIT = 90

# Webhooks (engagements/integrations/webhooks.py, docs/webhooks.md): per-attempt timeout, attempts per
# delivery, backoff with full jitter, and how many deliveries in a row may fail every
# attempt before the endpoint is disabled. Private/loopback targets are refused in
# production (SSRF); DEBUG (and the tests) allow them for local receivers.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_BACKOFF_BASE_SECONDS = env_int("WEBHOOK_BACKOFF_BASE_SECONDS", 30)
WEBHOOK_BACKOFF_CAP_SECONDS = env_int("WEBHOOK_BACKOFF_CAP_SECONDS", 6 * 3600)
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 20)
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=DEBUG)

# Retry-After (seconds) of the 503 answered while the database or Redis is unreachable.
OUTAGE_RETRY_AFTER_SECONDS = env_int("OUTAGE_RETRY_AFTER_SECONDS", 30)

# Idempotency-Key on API POSTs: how long a key replays its first response, and how
# long a duplicate sent while the first is still running waits for it.
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24)
IDEMPOTENCY_WAIT_SECONDS = env_int("IDEMPOTENCY_WAIT_SECONDS", 10)
# Serves /api/bench/vendors-reference/ for `manage.py bench_api` only; never set in a deployment.
BENCH_REFERENCE_VIEW = env_bool("BENCH_REFERENCE_VIEW", default=False)

# Matching (engagements/matching/runs.py).
MATCH_TOP_K = env_int("MATCH_TOP_K", 50)  # results kept per run
# The onshore benchmark (savings) needs at least this many onshore rates, else it falls back to the
# domain's rates of every seniority, then to none (engagements/matching/candidates.onshore_benchmark).
MATCH_BENCHMARK_MIN_SAMPLE = env_int("MATCH_BENCHMARK_MIN_SAMPLE", 5)
if MATCH_BENCHMARK_MIN_SAMPLE < 1:
    raise ImproperlyConfigured("MATCH_BENCHMARK_MIN_SAMPLE must be 1 or more.")
# Requests for proposal: the largest proposal attachment, and the address links in emails start with.
PROPOSAL_ATTACHMENT_MAX_MB = env_int("PROPOSAL_ATTACHMENT_MAX_MB", 10)
SITE_URL = env_str("SITE_URL", default="http://localhost:8000")
MATCH_STREAM_SIZE = env_int("MATCH_STREAM_SIZE", 50000)  # vendor ids read per batch in one task
# Above MATCH_CHUNK_SIZE active vendors a run fans out into chunk tasks of about that many, which the
# worker's processes (and any other worker) score side by side: 100,000 vendors on a 2-process worker
# 1.04 -> 0.57 s with 50,000 (2 chunks), where 150,000 never fanned out below 150,000 vendors.
MATCH_CHUNK_SIZE = env_int("MATCH_CHUNK_SIZE", 50000)
MATCH_MAX_ATTEMPTS = env_int("MATCH_MAX_ATTEMPTS", 3)  # claims before a run (or chunk) is failed
# A working task renews its claim every MATCH_HEARTBEAT_SECONDS (from a thread of its own); the
# claim lapses MATCH_LEASE_SECONDS after the last renewal, and the sweeper (beat, every
# MATCH_SWEEP_SECONDS) hands a lapsed run to another worker: a worker that dies whole (OOM kill,
# lost node) has its runs restarted within lease + sweep interval. /readyz answers 503 while a
# run's claim has lapsed for longer than MATCH_STUCK_GRACE_SECONDS (nothing is sweeping).
MATCH_HEARTBEAT_SECONDS = env_int("MATCH_HEARTBEAT_SECONDS", 10)
MATCH_LEASE_SECONDS = env_int("MATCH_LEASE_SECONDS", 3 * MATCH_HEARTBEAT_SECONDS)
MATCH_SWEEP_SECONDS = env_int("MATCH_SWEEP_SECONDS", 15)
MATCH_STUCK_GRACE_SECONDS = env_int("MATCH_STUCK_GRACE_SECONDS", 60)
if MATCH_HEARTBEAT_SECONDS < 1 or MATCH_LEASE_SECONDS < 2 * MATCH_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("MATCH_LEASE_SECONDS must be at least twice MATCH_HEARTBEAT_SECONDS (at least 1).")
if MATCH_SWEEP_SECONDS < 1 or MATCH_STUCK_GRACE_SECONDS < 0:
    raise ImproperlyConfigured("MATCH_SWEEP_SECONDS must be at least 1 and MATCH_STUCK_GRACE_SECONDS not negative.")
# Resends runs the broker never got, gives lapsed claims back, fails the hopeless.
CELERY_BEAT_SCHEDULE["match-runs-sweep"] = {
    "task": "engagements.tasks.match_runs_sweep",
    "schedule": float(MATCH_SWEEP_SECONDS),
}
MATCH_REDISPATCH_SECONDS = env_int("MATCH_REDISPATCH_SECONDS", 60)  # pending this long: send again

# Vendor CSV exports (vendors/exports/). Files go to a private directory (never served as
# media; the web and worker hosts must share it). GET /api/v1/vendors/export.csv answers at
# once up to VENDOR_EXPORT_SYNC_MAX_ROWS vendors (well inside a web worker's timeout), 409
# above: larger exports are background jobs, whose time limit must stay under the broker's
# visibility timeout. A job's claim lapses after VENDOR_EXPORT_LEASE_SECONDS without progress.
VENDOR_EXPORT_DIR = Path(env_str("VENDOR_EXPORT_DIR", default=str(MEDIA_ROOT / "private" / "vendor-exports")))
VENDOR_EXPORT_SYNC_MAX_ROWS = env_int("VENDOR_EXPORT_SYNC_MAX_ROWS", 5000)
VENDOR_EXPORT_TIME_LIMIT = env_int("VENDOR_EXPORT_TIME_LIMIT", 3000)
if VENDOR_EXPORT_TIME_LIMIT + 60 >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("VENDOR_EXPORT_TIME_LIMIT + 60 must stay under CELERY_VISIBILITY_TIMEOUT.")
VENDOR_EXPORT_LEASE_SECONDS = env_int("VENDOR_EXPORT_LEASE_SECONDS", 300)
VENDOR_EXPORT_MAX_ATTEMPTS = env_int("VENDOR_EXPORT_MAX_ATTEMPTS", 3)
VENDOR_EXPORT_BATCH = env_int("VENDOR_EXPORT_BATCH", 1000)  # vendors per keyset query and progress update
VENDOR_EXPORT_KEEP_DAYS = env_int("VENDOR_EXPORT_KEEP_DAYS", 7)  # then the sweep deletes the export and its file

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
