"""Geography for location classes: regions, UTC offsets and working-hours overlap.

Pure Python (standard library only), like scoring.py.

Location class of a delivery centre relative to the client:
- onshore: the centre is in the client's country;
- nearshore: same region (table below), or at most 3 hours apart in UTC offset
  on the requirement's start date;
- offshore: otherwise.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

ONSHORE, NEARSHORE, OFFSHORE = "onshore", "nearshore", "offshore"
NEARSHORE_MAX_OFFSET_HOURS = 3.0
# Vendor delivery centres are assumed to work 09:00-18:00 local time.
VENDOR_WORKDAY = (time(9, 0), time(18, 0))

_REGIONS = {
    "northern_america": "US CA",
    "latin_america": "MX GT BZ SV HN NI CR PA CU DO HT JM PR TT BS BB CO VE EC PE BO BR PY UY AR CL GY SR",
    "western_europe": "GB IE FR BE NL LU DE AT CH LI MC IS DK NO SE FI",
    "southern_europe": "IT ES PT MT GR CY SM VA AD SI HR",
    "eastern_europe": "PL CZ SK HU RO BG MD UA BY LT LV EE RS BA ME MK AL XK RU",
    "middle_east_north_africa": "TR IL PS JO LB SY IQ IR SA AE QA BH KW OM YE EG LY TN DZ MA",
    "sub_saharan_africa": "NG GH CI SN KE UG TZ RW ET ZA NA BW ZW ZM MZ MU CM AO",
    "south_asia": "IN PK BD LK NP BT MV AF",
    "east_southeast_asia": "CN HK TW JP KR MN VN TH MY SG ID PH KH LA MM BN",
    "oceania": "AU NZ FJ PG",
}
REGION_OF: dict[str, str] = {country: region for region, codes in _REGIONS.items() for country in codes.split()}


def region(country: str) -> str | None:
    return REGION_OF.get(country)


@lru_cache(maxsize=4096)
def utc_offset_hours(tz: str, on: date) -> float:
    moment = datetime.combine(on, time(12, 0), tzinfo=ZoneInfo(tz))
    offset = moment.utcoffset() or timedelta(0)
    return offset.total_seconds() / 3600


def location_class(*, client_country: str, client_tz: str, country: str, tz: str, on: date) -> str:
    if country == client_country:
        return ONSHORE
    same_region = region(country) is not None and region(country) == region(client_country)
    if same_region or abs(utc_offset_hours(tz, on) - utc_offset_hours(client_tz, on)) <= NEARSHORE_MAX_OFFSET_HOURS:
        return NEARSHORE
    return OFFSHORE


def _window(day: date, start: time, end: time, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    return datetime.combine(day, start, tzinfo=zone), datetime.combine(day, end, tzinfo=zone)


@lru_cache(maxsize=8192)
def overlap_hours(
    *,
    client_tz: str,
    client_start: time,
    client_end: time,
    tz: str,
    on: date,
    vendor_start: time = VENDOR_WORKDAY[0],
    vendor_end: time = VENDOR_WORKDAY[1],
) -> float:
    """Hours the client's working day on `on` overlaps the vendor centre's working
    hours (its previous, same or next local day), daylight saving included."""
    c_start, c_end = _window(on, client_start, client_end, client_tz)
    best = 0.0
    for shift in (-1, 0, 1):
        v_start, v_end = _window(on + timedelta(days=shift), vendor_start, vendor_end, tz)
        seconds = (min(c_end, v_end) - max(c_start, v_start)).total_seconds()
        best = max(best, seconds / 3600)
    return round(best, 2)
