"""The API contract's fingerprint and its record of versions (kpo/api/versions.json).

A version names one schema: the fingerprint is the SHA-256 of the schema as /api/schema/
serves it (canonical JSON, keys sorted), `info.version` left out so the fingerprint says
whether anything a client sees changed. Recorded on PostgreSQL (`make api-lock` starts one),
whose integer ranges the schema states; on SQLite (the demo) a few are wider."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

VERSIONS_FILE = Path(__file__).with_name("versions.json")


def served_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def fingerprint(schema: dict) -> str:
    unversioned = copy.deepcopy(schema)
    unversioned.get("info", {}).pop("version", None)
    canonical = json.dumps(unversioned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def recorded_versions() -> list[dict]:
    """[{"version", "sha256", "date"}, ...], oldest first."""
    if not VERSIONS_FILE.exists():
        return []
    return json.loads(VERSIONS_FILE.read_text(encoding="utf-8"))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
