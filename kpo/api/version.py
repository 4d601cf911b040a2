"""The version of the API contract (the OpenAPI schema's `info.version`).

Semantic versioning of what an integrator's generated client sees: a new operation, field,
parameter or answer is a minor version; a removal or a changed meaning is a major one (and
is not made: KPO Match adds, never renames). Every schema change needs a new version, a
CHANGELOG.md entry under "API" and `make api-lock`, which records the schema's fingerprint
for it in kpo/api/versions.json; tests/kpo/test_api_version.py fails until all three agree.
No Django imports: settings read it."""

API_VERSION = "1.4.0"
