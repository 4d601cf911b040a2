from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kpo.api.contract import VERSIONS_FILE, fingerprint, recorded_versions, served_schema, version_key
from kpo.api.version import API_VERSION


class Command(BaseCommand):
    help = (
        "Record the OpenAPI schema's fingerprint for API_VERSION (kpo/api/version.py) in "
        "kpo/api/versions.json. Refuses when the schema changed but the version did not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--amend",
            action="store_true",
            help="Re-record the newest version with the current schema: only for a version not yet "
            "released (not yet on main), while its changes are still being made.",
        )

    def handle(self, *args, amend: bool, **options):
        import json

        current = fingerprint(served_schema())
        versions = recorded_versions()
        known = {entry["version"]: entry["sha256"] for entry in versions}
        if known.get(API_VERSION) == current:
            self.stdout.write(f"API {API_VERSION} is recorded with this schema: nothing to do.")
            return
        if amend and versions and versions[-1]["version"] == API_VERSION:
            versions[-1] = {"version": API_VERSION, "sha256": current, "date": date.today().isoformat()}
            VERSIONS_FILE.write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"Re-recorded API {API_VERSION}: sha256 {current}.")
            return
        if API_VERSION in known:
            raise CommandError(
                f"The schema changed but API_VERSION is still {API_VERSION}, which names another schema. "
                "Raise it in kpo/api/version.py (minor for an addition), describe the change in "
                "CHANGELOG.md under API, and run this again."
            )
        if versions and version_key(API_VERSION) <= version_key(versions[-1]["version"]):
            raise CommandError(f"API_VERSION {API_VERSION} must be above {versions[-1]['version']}.")
        versions.append({"version": API_VERSION, "sha256": current, "date": date.today().isoformat()})
        VERSIONS_FILE.write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"Recorded API {API_VERSION}: sha256 {current}.")
