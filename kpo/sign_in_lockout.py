"""Sign-in lock-outs (django-axes): by username and address, and by address alone.

django-axes counts failures per set of AXES_LOCKOUT_PARAMETERS and compares the
largest count with one AXES_FAILURE_LIMIT. Two sets are configured:

- ("username", "ip_address"): AXES_FAILURE_LIMIT failures lock that username
  from that address (a forgotten password, a guessed one);
- "ip_address": failures for any usernames from one address (password
  spraying) lock the whole address at the higher AXES_ADDRESS_FAILURE_LIMIT,
  since an office shares one address.

SignInLockoutHandler is axes's database handler (AXES_HANDLER, the documented
extension point) with two changes: the address's count is scaled so that it
reaches AXES_FAILURE_LIMIT exactly when it reaches AXES_ADDRESS_FAILURE_LIMIT,
and a successful sign-in clears only its own username's failures from its
address, so one valid account cannot wipe a spraying address's record.

The same rules guard the web form and POST /api/v1/auth/token/ (both call
Django's authenticate()). The address is `client_address`: the one rule DRF's
throttles use too (API_NUM_PROXIES trusted proxies in X-Forwarded-For, else the
connection's address).
"""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

ADDRESS = "ip_address"


def client_address(request: HttpRequest) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE): DRF's rule with REST_FRAMEWORK's
    NUM_PROXIES; anything that is not an IP address falls back to the connection's."""
    # It reads only request.META, which a Django request has as well as DRF's.
    address = BaseThrottle().get_ident(request)  # type: ignore[arg-type]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


class SignInLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        limit = get_failure_limit(request, credentials)
        parameter_sets = get_lockout_parameters(request, credentials)
        worst = 0
        for parameters, attempts in zip(parameter_sets, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameters in (ADDRESS, [ADDRESS]):
                # floor(f * limit / address_limit) >= limit exactly when f >= address_limit.
                failures = failures * limit // max(settings.AXES_ADDRESS_FAILURE_LIMIT, 1)
            worst = max(worst, failures)
        return worst

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        ).delete()
        return count
