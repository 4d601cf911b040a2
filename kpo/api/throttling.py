"""Request rates per API token (or signed-in user) and per anonymous address.

The counters live in the default cache, which is Redis whenever a Redis URL is
configured (settings.CACHES), so every gunicorn worker and host shares them.
Rates are read from `api_settings` on each request rather than frozen at import
(DRF's SimpleRateThrottle.THROTTLE_RATES is a class attribute bound once), so
an override of REST_FRAMEWORK takes effect at once.

Throttling is about fair use, not brute force: sign-in failures are locked
out by django-axes (see kpo.api.token_views)."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger("kpo.api")


class _LiveRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def __init__(self):
        # SimpleRateThrottle.__init__ reads the rate once; read it live instead.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            # The cache being down must not take the API down with it: let the
            # request through and say so in the log.
            logger.warning("Throttle cache unavailable; request allowed", exc_info=True)
            return True


class TokenRateThrottle(_LiveRateThrottle):
    """Authenticated callers: one budget per API token, or per user for a
    browser session. Rate `user` (API_THROTTLE_USER)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        # An ApiToken's digest (never the key: no part of a secret goes to the cache);
        # a browser session has no token and counts per user.
        digest = getattr(request.auth, "digest", None)
        ident = f"token-{digest[:32]}" if digest else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(_LiveRateThrottle):
    """Anonymous callers, by address. Rate `anon` (API_THROTTLE_ANON). Most
    endpoints answer an anonymous caller 401 before throttling; this guards
    the public ones (token creation, the schema)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenCreateRateThrottle(_LiveRateThrottle):
    """POST /api/v1/auth/token/, by address whoever calls it. Rate
    `token_create` (API_THROTTLE_TOKEN_CREATE)."""

    scope = "token_create"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
