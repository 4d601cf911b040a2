"""Vendor bulk export and import as CSV, for staff (format: vendors/csv_io/).

GET  /api/v1/vendors/export.csv   streams every vendor, one row each
POST /api/v1/vendors/import/      a CSV file (multipart field `file`) or a text/csv
                                  body; `?dry_run=true` validates and counts only.
                                  200 with the report, or 400 with the same report
                                  and its errors when any row is invalid (then
                                  nothing is imported).
"""

from __future__ import annotations

import io

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from kpo.api.errors import ErrorSerializer
from vendors.csv_io import ImportReport, vendor_csv_import, vendor_csv_lines


class CsvParser(BaseParser):
    """A text/csv request body, handed over as bytes (decoded by the import)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class CsvRenderer(BaseRenderer):
    """Lets `Accept: text/csv` through content negotiation; the export itself is
    a streaming response. An error answered to such a request is its plain message."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "detail" in data:
            return str(data["detail"])
        return "" if data is None else str(data)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="Row number as a spreadsheet shows it: the header is row 1; 0 for an error of the request "
        "itself (no file, a bad dry_run value)."
    )
    column = serializers.CharField(help_text="The column; empty for an error about the whole row.")
    message = serializers.CharField()


class VendorImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Vendors created (or that would be, on a dry run).")
    updated = serializers.IntegerField(help_text="Existing vendors (same slug) changed by the file.")
    unchanged = serializers.IntegerField(help_text="Existing vendors the file leaves as they are.")
    dry_run = serializers.BooleanField()
    error_count = serializers.IntegerField(help_text="All errors; `errors` lists the first 1,000.")
    # SerializerMetaclass moves declared fields off the class, so `errors` does not replace the
    # Serializer.errors property at run time; mypy sees a class attribute overriding it.
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


UPLOAD = inline_serializer(name="VendorCsvUpload", fields={"file": serializers.FileField()})


class VendorCsvExportApi(APIView):
    permission_classes = [IsAdminUser]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="vendors_export_csv",
        summary="Export every vendor as CSV (staff)",
        description="One row per vendor, ordered by slug; the format is described in the integration guide. "
        "The file imports back unchanged.",
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            (401, "application/json"): ErrorSerializer,
            (403, "application/json"): ErrorSerializer,
        },
    )
    def get(self, request):
        response = StreamingHttpResponse(vendor_csv_lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="vendors.csv"'
        return response


class VendorCsvImportApi(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser, CsvParser]

    @extend_schema(
        operation_id="vendors_import_csv",
        summary="Create and update vendors from CSV (staff)",
        description="Every row is validated first; with any error nothing is imported and the answer is 400 "
        "with each error's row and column. Vendors are matched by slug.",
        parameters=[
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Validate and count the changes; write nothing.")
        ],
        request={"multipart/form-data": UPLOAD, "text/csv": OpenApiTypes.STR},
        responses={
            200: VendorImportReportSerializer,
            400: VendorImportReportSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
    )
    def post(self, request):
        # Every 400 has the report's shape; row 0 marks an error of the request, not of a row.
        dry_run_value = request.query_params.get("dry_run", "false").strip().lower()
        if dry_run_value not in TRUE | FALSE:
            return _answer(_request_error("dry_run", "Expected true or false."))
        try:
            data = request.data
        except ParseError as error:
            return _answer(_request_error("file", str(error.detail)))
        if isinstance(data, bytes) or request.content_type.startswith(CsvParser.media_type):
            raw = io.BytesIO(data if isinstance(data, bytes) else b"")  # DRF skips parsing an empty body
        elif "file" in request.FILES:
            raw = request.FILES["file"]
        else:
            message = "Send the CSV as the multipart field `file` or as a text/csv body."
            return _answer(_request_error("file", message))
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return _answer(vendor_csv_import(stream, dry_run=dry_run_value in TRUE, actor=request.user))


TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


def _request_error(column: str, message: str) -> ImportReport:
    report = ImportReport()
    report.add_error(0, column, message)
    return report


def _answer(report: ImportReport) -> Response:
    payload = VendorImportReportSerializer(report.as_dict()).data
    return Response(payload, status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)
