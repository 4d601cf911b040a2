"""Request body limits for the API, answered as JSON.

DRF reads a JSON body straight from the request stream, so Django's
DATA_UPLOAD_MAX_MEMORY_SIZE never applies to it and an API client could send
any amount. This middleware refuses, from the Content-Length header and before
anything reads the body, an /api/ request whose body is larger than
API_MAX_BODY_BYTES: 413 {"detail": ...}. A proposal's multipart upload (with
its attachment) may be as large as the attachment limit plus 1 MiB for the
other fields; the attachment's own size is checked by the proposal form. A
vendor CSV import (text/csv or multipart) may be API_IMPORT_MAX_BYTES.

A request without Content-Length (chunked) is refused with 411 before this
(kpo/request_guards.py), so no body is larger than its header says.

It also keeps an unknown /api/ URL a JSON 404 when DEBUG is on (the demo):
Django then answers with its HTML debug page instead of handler404.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import JsonResponse

API_PREFIX = "/api/"
MIB = 1024 * 1024
# (path, content types) -> the setting giving a larger limit than API_MAX_BODY_BYTES
_UPLOADS = [
    (re.compile(r"^/api/v1/invitations/\d+/proposal/$"), ("multipart/form-data",), "proposal"),
    (re.compile(r"^/api/v1/vendors/import/$"), ("multipart/form-data", "text/csv"), "import"),
]


def _limit_for(request) -> int:
    content_type = request.META.get("CONTENT_TYPE", "")
    for pattern, content_types, kind in _UPLOADS:
        if pattern.match(request.path_info) and content_type.startswith(content_types):
            if kind == "proposal":
                return (settings.PROPOSAL_ATTACHMENT_MAX_MB + 1) * MIB
            return settings.API_IMPORT_MAX_BYTES
    return settings.API_MAX_BODY_BYTES


class ApiBodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            header = request.META.get("CONTENT_LENGTH") or "0"
            try:
                length = int(header)
            except ValueError:
                return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
            limit = _limit_for(request)
            if length > limit:
                return JsonResponse(
                    {"detail": f"Request body too large: {length} bytes, at most {limit} bytes accepted."},
                    status=413,
                )
            response = self.get_response(request)
            if response.status_code == 404 and response.get("Content-Type", "").startswith("text/html"):
                return JsonResponse({"detail": "Not found."}, status=404)
            return response
        return self.get_response(request)
