"""Requests whose shape no view can handle are refused at the door, with a clear 4xx
(JSON on /api/, a short page elsewhere), before anything reads them:

- a NUL character anywhere in the path or the query string: 400. PostgreSQL refuses NUL in
  text, so a NUL that reached a query would be a 500; no valid code, slug, search or id
  contains one.
- a request body sent chunked (`Transfer-Encoding: chunked`): 411 Length Required. Under
  WSGI Django reads such a body as empty, so the client would get "field required" for
  every field instead of its data being read. (With a Content-Length beside it, HTTP says
  to ignore the length, so it is refused all the same.)

JSON nested too deeply is refused by kpo.api.parsers.BoundedJSONParser (400).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _refuse(request, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    query = request.META.get("QUERY_STRING", "")
    return bool(query) and b"\x00" in unquote_to_bytes(query.replace("+", " "))


class RequestShapeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return _refuse(request, 400, _("The address contains a null character, which no parameter accepts."))
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _refuse(request, 411, _("Send the request body with a Content-Length header, not chunked."))
        return self.get_response(request)
