"""The API contract is versioned: the served schema's `info.version` is API_VERSION, the
schema is the one recorded for that version in kpo/api/versions.json (a change to anything
a generated client sees needs a new version: `make api-lock` records it), and CHANGELOG.md
describes every recorded version."""

from __future__ import annotations

import re
from pathlib import Path

from kpo.api.contract import fingerprint, recorded_versions, served_schema, version_key
from kpo.api.version import API_VERSION

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"


def test_the_schema_serves_the_api_version():
    assert served_schema()["info"]["version"] == API_VERSION


def test_the_schema_is_the_one_recorded_for_its_version():
    recorded = {entry["version"]: entry["sha256"] for entry in recorded_versions()}
    current = fingerprint(served_schema())
    assert recorded.get(API_VERSION) == current, (
        f"The OpenAPI schema is not the one recorded for API {API_VERSION}. If you changed it on "
        "purpose: raise API_VERSION in kpo/api/version.py, add the change to CHANGELOG.md under "
        "API, and run `make api-lock`."
    )


def test_versions_only_go_up_and_each_names_one_schema():
    versions = recorded_versions()
    keys = [version_key(entry["version"]) for entry in versions]
    assert keys == sorted(set(keys))
    assert len({entry["sha256"] for entry in versions}) == len(versions)
    assert versions[-1]["version"] == API_VERSION


def test_the_changelog_describes_every_recorded_version():
    text = CHANGELOG.read_text(encoding="utf-8")
    api_section = text.split("## API", 1)[1].split("\n## ", 1)[0]
    described = re.findall(r"^### (\d+\.\d+\.\d+) ", api_section, flags=re.MULTILINE)
    assert described == [entry["version"] for entry in reversed(recorded_versions())]


def test_the_fingerprint_ignores_only_the_version():
    schema = {"info": {"title": "T", "version": "1.0.0"}, "paths": {"/a/": {}}}
    assert fingerprint(schema) == fingerprint({**schema, "info": {"title": "T", "version": "9.9.9"}})
    assert fingerprint(schema) != fingerprint({**schema, "paths": {"/a/": {}, "/b/": {}}})
