"""A vendor's change history in words (who changed what, old and new values), from
django-simple-history's records of the vendor and its parts. Reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from vendors.models import (
    DeliveryCenter,
    RateCard,
    Seniority,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)


@dataclass
class HistoryEntry:
    when: datetime
    text: str
    by: str


def vendor_change_history(vendor: Vendor, *, limit: int = 30, name_users: bool = False) -> list[HistoryEntry]:
    """The profile's changes, newest first, in words ("Senior rate changed from
    40.00 to 45.00 USD"), from django-simple-history's records of the vendor (with
    the domains it covered at each record) and of its rate cards, skills, delivery
    centres, certifications and working languages. A constant number of queries:
    one per history table (skill and certification names joined in), plus one for
    the domains of the vendor's records.
    `name_users` names who made each change (the vendor's own edit page); other
    readers see only "the vendor" or "KPO Match staff"."""
    per_model = limit + 1
    sources = [
        (Vendor.history.filter(id=vendor.pk), (), _describe_vendor),
        (RateCard.history.filter(vendor_id=vendor.pk), (), _describe_rate),
        (VendorSkill.history.filter(vendor_id=vendor.pk), ("skill",), _describe_skill),
        (DeliveryCenter.history.filter(vendor_id=vendor.pk), (), _describe_centre),
        (VendorCertification.history.filter(vendor_id=vendor.pk), ("certification",), _describe_certification),
        (VendorLanguage.history.filter(vendor_id=vendor.pk), (), _describe_language),
    ]
    names = _HistoryNames()
    entries: list[HistoryEntry] = []
    for records, related, describe in sources:
        latest = list(
            records.select_related("history_user", *related).order_by("-history_date", "-history_id")[:per_model]
        )
        if describe is _describe_vendor and latest:
            names.load_domain_sets([record.history_id for record in latest])
        by_object: dict[int, list] = defaultdict(list)
        for record in reversed(latest):  # oldest first
            by_object[record.id].append(record)
        for chain in by_object.values():
            previous = None
            for record in chain:
                for text in describe(record, previous, names):
                    entries.append(
                        HistoryEntry(when=record.history_date, text=text, by=_changed_by(record, name_users))
                    )
                previous = record
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


@dataclass
class _HistoryNames:
    """Names a description needs beyond its own record, loaded once."""

    # history_id of a vendor record -> names of the domains the vendor covered then.
    domain_sets: dict[int, frozenset[str]] = field(default_factory=dict)

    def load_domain_sets(self, history_ids: list[int]) -> None:
        """The domains of these historical vendor records, with their names, in one
        query. A record older than the first one with a snapshot and without one
        itself was written without domains being recorded (bulk history, e.g. the
        demo data): its domains are unknown (left out), never read as "none"."""
        found: dict[int, set[str]] = {history_id: set() for history_id in history_ids}
        snapshots = Vendor.history.model.domains.model.objects  # HistoricalVendor_domains
        for history_id, name in snapshots.filter(history_id__in=history_ids).values_list(
            "history_id", "expertisearea__name"
        ):
            found[history_id].add(name or _("a domain"))
        first_known = min((history_id for history_id, names in found.items() if names), default=None)
        self.domain_sets = {
            history_id: frozenset(names)
            for history_id, names in found.items()
            if names or (first_known is not None and history_id > first_known)
        }

    @staticmethod
    def skill(record) -> str:
        return record.skill.name if record.skill is not None else _("a skill")

    @staticmethod
    def certification(record) -> str:
        return record.certification.name if record.certification is not None else _("a certification")


def _domain_list(names: frozenset[str]) -> str:
    return ", ".join(sorted(names)) if names else "–"


def _changed_by(record, name_users: bool = False) -> str:
    user = record.history_user
    if user is None:
        return _("system")
    if name_users:
        return user.get_full_name() or user.get_username()
    if user.is_staff:
        return _("KPO Match staff")
    return _("the vendor")


def _changed(record, previous, fields: list[str]) -> list[tuple[str, Any, Any]]:
    if previous is None:
        return []
    return [
        (name, getattr(previous, name), getattr(record, name))
        for name in fields
        if getattr(previous, name) != getattr(record, name)
    ]


def _describe_vendor(record, previous, names) -> list[str]:
    if record.history_type == "+":
        return [_("Profile created")]
    if record.history_type == "-":
        return [_("Profile deleted")]
    if previous is None:
        return [_("Profile updated")]
    texts = []
    labels = {
        "name": _("Name"),
        "website": _("Website"),
        "headquarters_country": _("Headquarters country"),
        "founded_year": _("Founded year"),
        "available_fte": _("Available FTE"),
    }
    for name, old, new in _changed(
        record,
        previous,
        [
            "name",
            "description",
            "website",
            "headquarters_country",
            "founded_year",
            "available_fte",
            "verified",
            "is_active",
        ],
    ):
        if name == "description":
            texts.append(_("Description updated"))
        elif name == "verified":
            texts.append(_("Verified by KPO Match") if new else _("Verification withdrawn"))
        elif name == "is_active":
            texts.append(_("Listing reactivated") if new else _("Listing deactivated"))
        else:
            texts.append(
                _("%(field)s changed from %(old)s to %(new)s")
                % {"field": labels[name], "old": _or_dash(old), "new": _or_dash(new)}
            )
    old_domains = names.domain_sets.get(previous.history_id)
    new_domains = names.domain_sets.get(record.history_id)
    if old_domains is not None and new_domains is not None and old_domains != new_domains:
        texts.append(
            _("Domains changed from %(old)s to %(new)s")
            % {"old": _domain_list(old_domains), "new": _domain_list(new_domains)}
        )
    return texts


def _or_dash(value) -> object:
    return "–" if value in (None, "") else value


def _seniority_label(value: str) -> str:
    return str(dict(Seniority.choices).get(value, value))


def _describe_rate(record, previous, names) -> list[str]:
    level = _seniority_label(record.seniority)
    if record.history_type == "+":
        return [
            _("%(level)s rate set at %(rate)s %(currency)s")
            % {"level": level, "rate": record.hourly_rate, "currency": record.currency}
        ]
    if record.history_type == "-":
        return [_("%(level)s rate removed") % {"level": level}]
    if previous is None:
        return [
            _("%(level)s rate is now %(rate)s %(currency)s")
            % {"level": level, "rate": record.hourly_rate, "currency": record.currency}
        ]
    if previous.seniority != record.seniority:
        return [
            _("%(old_level)s rate of %(old)s %(old_currency)s became the %(level)s rate, at %(new)s %(currency)s")
            % {
                "old_level": _seniority_label(previous.seniority),
                "old": previous.hourly_rate,
                "old_currency": previous.currency,
                "level": level,
                "new": record.hourly_rate,
                "currency": record.currency,
            }
        ]
    if previous.currency == record.currency and previous.hourly_rate != record.hourly_rate:
        return [
            _("%(level)s rate changed from %(old)s to %(new)s %(currency)s")
            % {"level": level, "old": previous.hourly_rate, "new": record.hourly_rate, "currency": record.currency}
        ]
    if previous.currency != record.currency:
        return [
            _("%(level)s rate changed from %(old)s %(old_currency)s to %(new)s %(currency)s")
            % {
                "level": level,
                "old": previous.hourly_rate,
                "old_currency": previous.currency,
                "new": record.hourly_rate,
                "currency": record.currency,
            }
        ]
    return []


def _describe_skill(record, previous, names) -> list[str]:
    skill = names.skill(record)
    if record.history_type == "+":
        return [
            _("Skill %(skill)s added (proficiency %(level)s/5, %(years)s years)")
            % {"skill": skill, "level": record.proficiency, "years": record.years_experience}
        ]
    if record.history_type == "-":
        return [_("Skill %(skill)s removed") % {"skill": skill}]
    if previous is not None and previous.skill_id != record.skill_id:
        return [
            _("Skill %(old)s replaced by %(skill)s (proficiency %(level)s/5, %(years)s years)")
            % {
                "old": names.skill(previous),
                "skill": skill,
                "level": record.proficiency,
                "years": record.years_experience,
            }
        ]
    texts = []
    for name, old, new in _changed(record, previous, ["proficiency", "years_experience"]):
        if name == "proficiency":
            texts.append(
                _("%(skill)s proficiency changed from %(old)s to %(new)s") % {"skill": skill, "old": old, "new": new}
            )
        else:
            texts.append(
                _("%(skill)s experience changed from %(old)s to %(new)s years")
                % {"skill": skill, "old": old, "new": new}
            )
    return texts


def _place(record) -> str:
    from kpo.codes import display_country_names

    return f"{record.city}, {display_country_names().get(record.country, record.country)}"


def _describe_centre(record, previous, names) -> list[str]:
    place = _place(record)
    if record.history_type == "+":
        return [
            _("Delivery centre %(place)s opened (%(headcount)s people)")
            % {"place": place, "headcount": record.headcount}
        ]
    if record.history_type == "-":
        return [_("Delivery centre %(place)s closed") % {"place": place}]
    texts = []
    if previous is not None and (previous.country, previous.city) != (record.country, record.city):
        # Where a centre is decides whether it is onshore, nearshore or offshore for a buyer.
        texts.append(_("Delivery centre moved from %(old)s to %(new)s") % {"old": _place(previous), "new": place})
    for name, old, new in _changed(record, previous, ["headcount", "timezone"]):
        if name == "headcount":
            texts.append(
                _("%(place)s headcount changed from %(old)s to %(new)s") % {"place": place, "old": old, "new": new}
            )
        else:
            texts.append(
                _("%(place)s time zone changed from %(old)s to %(new)s") % {"place": place, "old": old, "new": new}
            )
    return texts


def _until(value) -> str:
    """A validity end in the reader's date format, or "no expiry"."""
    return formats.date_format(value, "DATE_FORMAT") if value else _("no expiry")


def _validity(value) -> str:
    return _("valid until %(date)s") % {"date": _until(value)} if value else _("no expiry")


def _describe_certification(record, previous, names) -> list[str]:
    certification = names.certification(record)
    validity = _validity(record.valid_until)
    if record.history_type == "+":
        return [_("Certification %(name)s added (%(validity)s)") % {"name": certification, "validity": validity}]
    if record.history_type == "-":
        return [_("Certification %(name)s removed") % {"name": certification}]
    if previous is not None and previous.certification_id != record.certification_id:
        return [
            _("Certification %(old)s replaced by %(name)s (%(validity)s)")
            % {"old": names.certification(previous), "name": certification, "validity": validity}
        ]
    for _name, old, new in _changed(record, previous, ["valid_until"]):
        return [
            _("%(name)s validity changed from %(old)s to %(new)s")
            % {"name": certification, "old": _until(old), "new": _until(new)}
        ]
    return []


def _describe_language(record, previous, names) -> list[str]:
    from kpo.codes import display_language_names

    language_names = display_language_names()
    language = language_names.get(record.code, record.code)
    if record.history_type == "+":
        return [_("Working language %(language)s added") % {"language": language}]
    if record.history_type == "-":
        return [_("Working language %(language)s removed") % {"language": language}]
    for _name, old, _new in _changed(record, previous, ["code"]):
        return [
            _("Working language changed from %(old)s to %(new)s")
            % {"old": language_names.get(old, old), "new": language}
        ]
    return []


# --- comparison -----------------------------------------------------------------------
