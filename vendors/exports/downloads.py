"""The HTTP answer for an export's file, shared by the API and the staff page: the bytes
with Content-Length (FileResponse measures the file), the row count and the SHA-256."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse

from vendors.exports.services import CONTENT_TYPE, digest_headers


def export_file_response(handle: IO[bytes], *, filename: str, row_count: int, sha256: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
    for name, value in digest_headers(row_count=row_count, sha256_hex=sha256).items():
        response[name] = value
    return response
