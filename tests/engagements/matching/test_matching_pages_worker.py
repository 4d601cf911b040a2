"""Run matching from the requirement page with the real Redis broker and a real
Celery worker: the page's POST enqueues after commit, the polled status panel
shows progress until the worker finishes, then stops polling with the shortlist."""

import time

import pytest
from django.urls import reverse
from django.utils.html import escape

from engagements.models import MatchRun
from tests.engagements.helpers import demo_pool, manager_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_run_started_from_the_page_is_scored_by_the_worker_and_its_shortlist_shown(celery_worker, client):
    requirement = demo_pool(vendors=60)
    client.force_login(manager_of(requirement))

    response = client.post(reverse("requirements:run_start", args=[requirement.pk]))
    run = MatchRun.objects.get(requirement=requirement)
    assert response.status_code == 302
    assert response["Location"] == reverse("requirements:run", args=[requirement.pk, run.pk])

    status_url = reverse("requirements:run_status", args=[requirement.pk, run.pk])
    deadline = time.monotonic() + 60  # a deadline for the wait, not a timed assertion
    seen = []
    while time.monotonic() < deadline:
        poll = client.get(status_url, HTTP_HX_REQUEST="true")
        seen.append(poll.status_code)
        if poll.status_code == 286:
            break
        assert poll.status_code == 200
        assert 'hx-trigger="every 1s"' in poll.content.decode()
        time.sleep(0.2)
    else:
        pytest.fail(f"the run was still {MatchRun.objects.get(pk=run.pk).status} at the deadline")

    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    html = poll.content.decode()
    results = list(run.results.select_related("vendor").order_by("rank"))
    assert results
    assert escape(results[0].vendor.name) in html
    assert html.count('class="card result') == len(results)
    page = client.get(response["Location"]).content.decode()
    assert "Propose engagement" in page and "hx-trigger" not in page.split('id="why-not-answer"')[0]
