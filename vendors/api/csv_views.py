"""Vendor bulk export and import as CSV, for staff (format: vendors/csv_io/).

GET  /api/v1/vendors/export.csv   every vendor, one row each, rendered whole before it is
                                  sent (Content-Length, X-Row-Count, Repr-Digest); 409 with
                                  JSON above VENDOR_EXPORT_SYNC_MAX_ROWS vendors: use a job
POST /api/v1/vendors/exports/     start a background export job: 202 + Location
GET  /api/v1/vendors/exports/     recent jobs, newest first
GET  /api/v1/vendors/exports/{id}/           the job: status, progress, count, SHA-256, size
GET  /api/v1/vendors/exports/{id}/download/  the file once succeeded (X-Row-Count,
                                  Repr-Digest, Content-Length); 409 before, 410 if gone
POST /api/v1/vendors/import/      a CSV file (multipart field `file`) or a text/csv
                                  body; `?dry_run=true` validates and counts only.
                                  200 with the report, or 400 with the same report
                                  and its errors when any row is invalid (then
                                  nothing is imported).
"""

from __future__ import annotations

import io

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from kpo.api.errors import ErrorSerializer
from kpo.api.headers import content_disposition_header, location_header, no_store_header
from kpo.api.pagination import BrowseCursorPagination
from kpo.api.serializers import StrictFieldsMixin
from vendors.csv_io import ImportReport, vendor_csv_import
from vendors.exports import selectors as export_selectors
from vendors.exports import services as exports
from vendors.exports.downloads import export_file_response
from vendors.exports.models import VendorExport, VendorExportStatus


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


DIGEST_HEADERS = [
    OpenApiParameter(
        "X-Row-Count", int, OpenApiParameter.HEADER, response=[200], description="Vendor rows in the file (no header)."
    ),
    OpenApiParameter(
        "Repr-Digest",
        str,
        OpenApiParameter.HEADER,
        response=[200],
        description="RFC 9530: `sha-256=:<base64>:`, the SHA-256 of the whole file.",
    ),
    OpenApiParameter(
        "Digest", str, OpenApiParameter.HEADER, response=[200], description="RFC 3230 (legacy): `SHA-256=<base64>`."
    ),
    OpenApiParameter(
        "X-Content-SHA256", str, OpenApiParameter.HEADER, response=[200], description="The SHA-256 in hex."
    ),
    content_disposition_header(200),
    no_store_header(200),
    OpenApiParameter(
        "Content-Length",
        int,
        OpenApiParameter.HEADER,
        response=[200],
        description="Always sent: a body cut short is a transfer error, never a shorter file.",
    ),
]


class VendorExportTooLargeSerializer(serializers.Serializer):
    detail = serializers.CharField()
    vendor_count = serializers.IntegerField(help_text="Vendors there are now.")
    limit = serializers.IntegerField(help_text="The most this endpoint answers at once.")
    exports = serializers.URLField(help_text="Start a background export here (POST).")


class VendorCsvExportApi(APIView):
    permission_classes = [IsAdminUser]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="vendors_export_csv",
        summary="Export every vendor as CSV at once (staff; small directories)",
        description="One row per vendor, ordered by slug; the format is described in the integration guide. "
        "The file imports back unchanged. It is rendered whole before the answer starts, so the answer always "
        "carries Content-Length, X-Row-Count and the file's SHA-256 (Repr-Digest). Above "
        "VENDOR_EXPORT_SYNC_MAX_ROWS vendors (5,000 by default) the answer is 409 with the count and the limit: "
        "start a background export with POST /api/v1/vendors/exports/ instead.",
        parameters=[OpenApiParameter("format", exclude=True), *DIGEST_HEADERS],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            (401, "application/json"): ErrorSerializer,
            (403, "application/json"): ErrorSerializer,
            (409, "application/json"): OpenApiResponse(
                VendorExportTooLargeSerializer, description="Too many vendors to answer at once: use an export job."
            ),
        },
    )
    def get(self, request):
        try:
            inline = exports.vendor_export_inline()
        except exports.ExportTooLarge as too_large:
            body = {
                "detail": f"{too_large.vendor_count} vendors are more than this endpoint exports at once "
                f"({too_large.limit}). Start a background export: POST /api/v1/vendors/exports/.",
                "vendor_count": too_large.vendor_count,
                "limit": too_large.limit,
                "exports": request.build_absolute_uri(reverse("api-vendor-export-list")),
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return export_file_response(
            inline.file, filename="vendors.csv", row_count=inline.row_count, sha256=inline.sha256
        )


# --- background export jobs -------------------------------------------------------------


class VendorExportSerializer(serializers.ModelSerializer):
    requested_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    progress = serializers.IntegerField(read_only=True, help_text="0-100; 100 only once succeeded.")
    rows_total = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Vendors counted when the current attempt started."
    )
    rows_done = serializers.IntegerField(read_only=True, help_text="Vendor rows written so far.")
    row_count = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Vendor rows in the finished file (no header); null until succeeded."
    )
    sha256 = serializers.CharField(read_only=True, help_text="SHA-256 of the file (hex); empty until succeeded.")
    size = serializers.IntegerField(read_only=True, allow_null=True, help_text="Bytes; null until succeeded.")
    download = serializers.SerializerMethodField(help_text="The file, once succeeded; null before.")

    class Meta:
        model = VendorExport
        fields = [
            "id",
            "status",
            "active_only",
            "requested_by",
            "progress",
            "rows_total",
            "rows_done",
            "row_count",
            "sha256",
            "size",
            "attempts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, export: VendorExport) -> str | None:
        if export.status != VendorExportStatus.SUCCEEDED:
            return None
        path = reverse("api-vendor-export-download", args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class VendorExportStartSerializer(StrictFieldsMixin, serializers.Serializer):
    active_only = serializers.BooleanField(default=False, help_text="Leave out deactivated vendors.")


EXPORT_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: field errors, nothing started."),
    401: OpenApiResponse(ErrorSerializer, description="No valid credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Only KPO Match staff export vendors."),
    404: OpenApiResponse(ErrorSerializer, description="No such export."),
}
LOCATION_HEADER = location_header(202, "The new export, to poll.")


class VendorExportListApi(GenericAPIView):
    """POST starts an export job (202 + Location); GET lists the jobs, newest first."""

    permission_classes = [IsAdminUser]
    serializer_class = VendorExportSerializer
    pagination_class = BrowseCursorPagination

    @extend_schema(
        operation_id="vendors_exports_list",
        summary="Vendor export jobs, newest first (staff)",
        responses={
            200: VendorExportSerializer(many=True),
            400: EXPORT_ERRORS[400],
            401: EXPORT_ERRORS[401],
            403: EXPORT_ERRORS[403],
        },
    )
    def get(self, request):
        page = self.paginate_queryset(export_selectors.vendor_export_queryset())
        return self.get_paginated_response(VendorExportSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="vendors_exports_create",
        summary="Start a background export of every vendor as CSV (staff)",
        description="Any number of vendors: a worker writes the file (ordered by vendor id; the same columns as "
        "GET /api/v1/vendors/export.csv) with its row count and SHA-256. Poll the job at its Location; download "
        "it once `status` is `succeeded`.",
        request=VendorExportStartSerializer,
        parameters=[LOCATION_HEADER],
        responses={
            202: OpenApiResponse(VendorExportSerializer, description="Queued: poll the job at its Location."),
            400: EXPORT_ERRORS[400],
            401: EXPORT_ERRORS[401],
            403: EXPORT_ERRORS[403],
        },
    )
    def post(self, request):
        serializer = VendorExportStartSerializer(data=request.data if request.data is not None else {})
        serializer.is_valid(raise_exception=True)
        export = exports.vendor_export_start(actor=request.user, active_only=serializer.validated_data["active_only"])
        export.refresh_from_db()
        response = Response(
            VendorExportSerializer(export, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )
        response["Location"] = request.build_absolute_uri(reverse("api-vendor-export-detail", args=[export.pk]))
        return response


class VendorExportDetailApi(APIView):
    """A vendor export job (staff): status, progress, row count and the file's SHA-256 once done."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="vendors_exports_retrieve",
        summary="A vendor export job: status, progress, row count, SHA-256 (staff)",
        responses={
            200: VendorExportSerializer,
            401: EXPORT_ERRORS[401],
            403: EXPORT_ERRORS[403],
            404: EXPORT_ERRORS[404],
        },
    )
    def get(self, request, pk: int):
        export = get_object_or_404(export_selectors.vendor_export_queryset(), pk=pk)
        return Response(VendorExportSerializer(export, context={"request": request}).data)


class VendorExportDownloadApi(APIView):
    permission_classes = [IsAdminUser]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="vendors_exports_download",
        summary="Download a finished vendor export (staff)",
        description="Only a succeeded job's file, with Content-Length, X-Row-Count and its SHA-256 (Repr-Digest, "
        "as the job records them). A pending, running or failed job answers 409: nothing partial is ever served.",
        parameters=[OpenApiParameter("format", exclude=True), *DIGEST_HEADERS],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            (401, "application/json"): EXPORT_ERRORS[401],
            (403, "application/json"): EXPORT_ERRORS[403],
            (404, "application/json"): EXPORT_ERRORS[404],
            (409, "application/json"): OpenApiResponse(
                ErrorSerializer, description="The job has not succeeded (pending, running or failed)."
            ),
            (410, "application/json"): OpenApiResponse(
                ErrorSerializer, description="The file is gone from the server: start a new export."
            ),
        },
    )
    def get(self, request, pk: int):
        export = get_object_or_404(export_selectors.vendor_export_queryset(), pk=pk)
        if export.status != VendorExportStatus.SUCCEEDED:
            detail = (
                "The export failed; nothing can be downloaded. Start a new export."
                if export.status == VendorExportStatus.FAILED
                else f"The export is {export.status}; download it once its status is succeeded."
            )
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        try:
            handle = exports.vendor_export_file(export)
        except exports.ExportFileMissing:
            return Response(
                {"detail": "The export's file is no longer on the server. Start a new export."},
                status=status.HTTP_410_GONE,
            )
        assert export.row_count is not None  # a succeeded export always has one (a database constraint)
        return export_file_response(
            handle, filename=exports.export_file_name(export.pk), row_count=export.row_count, sha256=export.sha256
        )


class VendorCsvImportApi(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser, CsvParser]

    @extend_schema(
        operation_id="vendors_import_csv",
        summary="Create and update vendors from CSV (staff)",
        description="Every row is validated first; with any error nothing is imported and the answer is 400 "
        "with each error's row and column. Vendors are matched by slug.\n\n"
        "The CSV goes in the multipart field `file`, or as the raw body with `Content-Type: text/csv` "
        "(UTF-8, a byte-order mark allowed; the same columns and answers). Either may be as large as "
        "API_IMPORT_MAX_BYTES (50 MiB by default); a larger one is answered 413.",
        parameters=[
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Validate and count the changes; write nothing.")
        ],
        # The raw text/csv body is described above: generated clients take one upload form best.
        request={"multipart/form-data": UPLOAD},
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
