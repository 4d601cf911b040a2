"""Response headers with API meaning, declared in the OpenAPI schema where views send them
(tests/contract.py fails a test that receives one an operation does not declare)."""

from drf_spectacular.utils import OpenApiParameter


def location_header(status: int, description: str) -> OpenApiParameter:
    """`Location`: the absolute URL of what the answer created or queued."""
    return OpenApiParameter("Location", str, OpenApiParameter.HEADER, response=[status], description=description)


def no_store_header(*statuses: int) -> OpenApiParameter:
    """`Cache-Control: no-store` (or `private, no-store`): a secret shown once, or a file, never cached."""
    return OpenApiParameter(
        "Cache-Control",
        str,
        OpenApiParameter.HEADER,
        response=list(statuses),
        description="`no-store`: no cache or proxy may keep this answer.",
    )


def content_disposition_header(status: int) -> OpenApiParameter:
    """`Content-Disposition: attachment; filename="…"`: a file download and the name to save it under."""
    return OpenApiParameter(
        "Content-Disposition",
        str,
        OpenApiParameter.HEADER,
        response=[status],
        description='`attachment; filename="…"`: the name to save the file under.',
    )
