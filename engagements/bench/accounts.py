"""The benchmark's buyer: one client organization (Italian, EUR, 09:00-18:00) and a procurement
manager of it, shared by `bench_api` and `bench_directory`."""

from __future__ import annotations

from datetime import time as clock
from typing import Any

from django.contrib.auth import get_user_model

from engagements.models import ClientOrganization, Membership, Role

BENCH_CLIENT_SLUG = "bench-client"


def bench_manager(username: str) -> Any:
    """The user `username`, a manager of the benchmark's client organization (both made once)."""
    client, _ = ClientOrganization.objects.get_or_create(
        slug=BENCH_CLIENT_SLUG,
        defaults={
            "name": "Benchmark client",
            "country": "IT",
            "timezone": "Europe/Rome",
            "currency": "EUR",
            "working_hours_start": clock(9),
            "working_hours_end": clock(18),
        },
    )
    user, _ = get_user_model().objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, defaults={"client": client, "role": Role.MANAGER})
    return user
