"""`make demo` runs on SQLite with the embedded task mode. The database-kept
change numbers behave differently there (AFTER triggers, a uniqueness check
before they run), so the demo is seeded on a real SQLite file, twice, and its
API list page is read back through the SQLite document builder and the cache."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", vendors=40, no_progress=True, verbosity=0)
call_command("seed_demo", vendors=40, no_progress=True, verbosity=0)
from django.core.cache import caches
from django.test import Client
from rest_framework.renderers import JSONRenderer
from kpo.models import User
from vendors.api.documents import DOCUMENT_CACHE
from vendors.api.selectors import with_vendor_documents
from vendors.api.serializers import VendorSerializer
from vendors.models import Vendor
client = Client()
client.force_login(User.objects.get(username="manager"))
pages = [client.get("/api/v1/vendors/", {"page_size": 200}) for _ in range(2)]
ids = [row["id"] for row in pages[0].json()["results"]]
expected = [JSONRenderer().render(VendorSerializer(v).data).decode()
            for v in with_vendor_documents(Vendor.objects.filter(pk__in=ids).order_by("-id"))]
print(json.dumps({
    "status": [page.status_code for page in pages],
    "same": pages[0].content == pages[1].content,
    "cached": len(caches[DOCUMENT_CACHE]._cache),
    "ids": ids,
    "matches": all(document in pages[0].content.decode() for document in expected),
    "vendors": Vendor.objects.filter(is_active=True).count(),
}))
"""


@pytest.mark.django_db(databases=[])
def test_the_demo_seeds_twice_on_sqlite_and_serves_its_vendor_list(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="kpo.settings",
        DEBUG="true",
        ALLOWED_HOSTS="testserver",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["status"] == [200, 200]
    assert len(probe["ids"]) == probe["vendors"] > 0
    assert probe["ids"] == sorted(probe["ids"], reverse=True)
    assert probe["same"] and probe["matches"]
    assert probe["cached"] == len(probe["ids"])
