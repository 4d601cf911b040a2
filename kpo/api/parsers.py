"""JSON bodies with a nesting limit.

Python's json module recurses once per level of nesting, so a body of a few thousand
`[` is a RecursionError (a 500) in DRF's JSONParser. No request of the API nests deeper
than a few levels; MAX_DEPTH leaves room and refuses the rest with a 400 before parsing."""

from __future__ import annotations

import codecs
import io
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def json_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (one pass, no recursion)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if json_depth_exceeds(text):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        try:
            return super().parse(io.BytesIO(text.encode("utf-8")), media_type, {**parser_context, "encoding": "utf-8"})
        except RecursionError as exc:  # belt and braces: the scan above should make this unreachable
            raise ParseError("JSON parse error - nested too deeply.") from exc
