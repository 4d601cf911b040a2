"""kpo.zones: a date-time in a zone with the zone named, and no page or message that shows one
without (issue 16, item 8)."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from kpo.zones import zoned, zoned_text

ROOT = Path(__file__).resolve().parents[2]
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "moment", "label", "title", "hour"),
    [
        ("Asia/Kolkata", WINTER, "IST", "Asia/Kolkata, UTC+05:30", 17),
        ("Europe/Rome", WINTER, "CET", "Europe/Rome, UTC+01:00", 13),
        ("Europe/Rome", SUMMER, "CEST", "Europe/Rome, UTC+02:00", 14),
        ("America/New_York", SUMMER, "EDT", "America/New_York, UTC-04:00", 8),
        # No abbreviation in the zone database ("+04"): the offset names it.
        ("Asia/Dubai", WINTER, "UTC+04:00", "Asia/Dubai, UTC+04:00", 16),
        ("UTC", WINTER, "UTC", "UTC", 12),
    ],
)
def test_a_date_time_is_named_by_its_zone(zone, moment, label, title, hour):
    shown = zoned(moment, zone)
    assert (shown.label, shown.title, shown.local.hour) == (label, title, hour)


def test_without_a_zone_the_active_one_is_used():
    with timezone.override("Asia/Tokyo"), translation.override("en"):
        assert zoned_text(WINTER) == "Jan. 15, 2026, 9 p.m. JST"
    with timezone.override("Europe/Rome"), translation.override("it"):
        assert zoned_text(WINTER) == "Giovedì 15 Gennaio 2026 13:00 CET"


def test_the_filter_writes_a_machine_readable_time_and_the_zones_full_name():
    template = Template("{% load kpo_tags %}{{ when|zoned }}|{{ when|zoned:'Asia/Kolkata' }}|{{ nothing|zoned }}")
    with timezone.override("Europe/Rome"), translation.override("en"):
        html = template.render(Context({"when": WINTER, "nothing": None}))
    rome, kolkata, empty = html.split("|")
    assert (
        rome
        == '<time datetime="2026-01-15T13:00+01:00">Jan. 15, 2026, 1 p.m. <abbr title="Europe/Rome, UTC+01:00">CET</abbr></time>'
    )
    assert kolkata.startswith('<time datetime="2026-01-15T17:30+05:30">') and ">IST</abbr>" in kolkata
    assert empty == ""


def test_no_template_or_message_formats_a_date_time_without_its_zone():
    """Dates alone (DATE_FORMAT) are fine; a time of day goes through kpo.zones."""
    pattern = re.compile(r"DATETIME_FORMAT|TIME_FORMAT|\|\s*utc\b|\|time:")
    allowed = {
        # Each delivery centre's own clock, named by the centre's city on the same row.
        ("templates/vendors/vendor_detail.html", '|time:"H:i"'),
    }
    found = []
    for path in sorted(
        [*ROOT.glob("templates/**/*.html"), *ROOT.glob("engagements/**/*.py"), *ROOT.glob("vendors/**/*.py")]
    ):
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                snippet = line[match.start() : match.start() + 10]
                if not any(relative == a and snippet.startswith(s[:10]) for a, s in allowed):
                    found.append(f"{relative}:{number}: {line.strip()[:100]}")
    assert found == []
