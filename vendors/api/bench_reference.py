"""The reference the API benchmark compares /api/v1/vendors/ with: the same
first page (the 50 newest active vendors with their languages, domains,
skills, rates, centres and certifications) from ONE hand-written PostgreSQL
query that builds the JSON in the database, sent with json.dumps. No DRF, no
serializers, no ORM objects: what the page costs at the least. Token checked
the same way as the API (knox), so both pay for authentication.

Mounted only when BENCH_REFERENCE_VIEW is true (`manage.py bench_api` sets it
for the gunicorn it starts); never in a deployment."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpResponse, JsonResponse
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

PAGE_SQL = """
SELECT COALESCE(json_agg(doc ORDER BY id DESC), '[]'::json) FROM (
  SELECT v.id, json_build_object(
    'id', v.id, 'slug', v.slug, 'name', v.name, 'description', v.description, 'website', v.website,
    'headquarters_country', v.headquarters_country,
    'languages', COALESCE((SELECT json_agg(l.code ORDER BY l.code)
                          FROM vendors_vendorlanguage l WHERE l.vendor_id = v.id), '[]'::json),
    'domains', COALESCE((SELECT json_agg(d.code ORDER BY d.code)
                        FROM vendors_vendor_domains vd JOIN vendors_expertisearea d ON d.id = vd.expertisearea_id
                        WHERE vd.vendor_id = v.id), '[]'::json),
    'skills', COALESCE((SELECT json_agg(json_build_object('skill', s.code, 'proficiency', vs.proficiency,
                                                          'years_experience', vs.years_experience) ORDER BY s.code)
                       FROM vendors_vendorskill vs JOIN vendors_skill s ON s.id = vs.skill_id
                       WHERE vs.vendor_id = v.id), '[]'::json),
    'rates', COALESCE((SELECT json_agg(json_build_object('seniority', r.seniority, 'hourly_rate', r.hourly_rate::text,
                                                         'currency', r.currency) ORDER BY r.id)
                      FROM vendors_ratecard r WHERE r.vendor_id = v.id), '[]'::json),
    'delivery_centers', COALESCE((SELECT json_agg(json_build_object('country', c.country, 'city', c.city,
                                                                    'timezone', c.timezone, 'headcount', c.headcount)
                                                  ORDER BY c.id)
                                 FROM vendors_deliverycenter c WHERE c.vendor_id = v.id), '[]'::json),
    'certifications', COALESCE((SELECT json_agg(json_build_object('code', ce.code, 'valid_until', vc.valid_until)
                                                ORDER BY ce.code)
                               FROM vendors_vendorcertification vc JOIN vendors_certification ce
                                    ON ce.id = vc.certification_id
                               WHERE vc.vendor_id = v.id), '[]'::json),
    'available_fte', v.available_fte::text, 'verified', v.verified, 'is_active', v.is_active,
    'rating', v.rating::text, 'review_count', v.review_count,
    'created_at', v.created_at, 'updated_at', v.updated_at,
    'change_seq', v.change_seq, 'external_id', v.external_id
  ) AS doc
  FROM vendors_vendor v
  WHERE v.is_active
  ORDER BY v.id DESC
  LIMIT %s
) page
"""


def vendor_page_reference(request):
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2 or header[0] != "Token":
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    try:
        TokenAuthentication().authenticate_credentials(header[1].encode())
    except AuthenticationFailed as exc:
        return JsonResponse({"detail": str(exc.detail)}, status=401)
    page_size = min(int(request.GET.get("page_size", 50)), 200)
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, [page_size])
        results = cursor.fetchone()[0]
    if isinstance(results, str):  # a driver that does not decode json
        results = json.loads(results)
    body = json.dumps({"next": None, "previous": None, "results": results})
    return HttpResponse(body, content_type="application/json")
