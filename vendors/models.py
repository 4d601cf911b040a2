"""Supply side: the skill taxonomy, vendor firms and their profiles, exchange rates."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kpo.bounds import EXCHANGE_RATE_MAX, EXCHANGE_RATE_MIN, TEXT_MAX, date_in_range, validate_date_in_range
from kpo.codes import validate_country, validate_currency, validate_language, validate_timezone
from vendors.rating import bayesian_rating_expression

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

COUNTRY_SHAPE = r"^[A-Z]{2}$"
LANGUAGE_SHAPE = r"^[a-z]{2}$"
CURRENCY_SHAPE = r"^[A-Z]{3}$"


class Seniority(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    MID = "mid", _("Mid-level")
    SENIOR = "senior", _("Senior")
    EXPERT = "expert", _("Expert")


# Paths under /vendors/ that a vendor's page must never shadow.
RESERVED_VENDOR_SLUGS = frozenset({"compare", "profile", "exports"})


def validate_vendor_slug(value: str) -> None:
    if value in RESERVED_VENDOR_SLUGS:
        raise ValidationError(
            _("%(value)s is reserved; choose another slug."), params={"value": value}, code="reserved"
        )


# Other words buyers search a domain or skill by (its Italian name, synonyms): part of each
# vendor's search document (vendors/search.py).
SEARCH_TERMS_MAX = 2000
SEARCH_TERMS_HELP = _("Other words buyers search this by, such as its Italian name (directory search).")


class ExpertiseArea(models.Model):
    """A KPO domain (finance, legal, medical, ...). Seeded by a data migration."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    search_terms = models.TextField(
        blank=True, validators=[MaxLengthValidator(SEARCH_TERMS_MAX)], help_text=SEARCH_TERMS_HELP
    )

    class Meta:
        verbose_name = _("expertise area")
        verbose_name_plural = _("expertise areas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    domain = models.ForeignKey(ExpertiseArea, on_delete=models.PROTECT, related_name="skills")
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    is_active = models.BooleanField(default=True)
    search_terms = models.TextField(
        blank=True, validators=[MaxLengthValidator(SEARCH_TERMS_MAX)], help_text=SEARCH_TERMS_HELP
    )

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Certification(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    issuer = models.CharField(max_length=120, blank=True)
    # Counts as evidence of information-security controls for confidential work
    # (drives the ip_security risk flag in matching).
    is_security = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Vendor(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True, validators=[validate_vendor_slug])
    # A validator, not max_length: forms, serializers and the CSV import all apply it, and
    # SQLite need not rebuild the table (its triggers would go with it).
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    website = models.URLField(blank=True)
    headquarters_country = models.CharField(max_length=2, validators=[validate_country])
    domains = models.ManyToManyField(ExpertiseArea, related_name="vendors", blank=True)
    skills = models.ManyToManyField(Skill, through="VendorSkill", related_name="vendors", blank=True)
    certifications = models.ManyToManyField(
        Certification, through="VendorCertification", related_name="vendors", blank=True
    )
    founded_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    available_fte = models.DecimalField(
        max_digits=7, decimal_places=1, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Derived from reviews by the review service; stored for fast filtering and sorting.
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    review_count = models.PositiveIntegerField(default=0)
    # Derived from milestones by engagements.delivery.services.milestone_advance when the
    # client accepts one: how many were accepted, and how many of those had been
    # delivered by their due date. They feed the quality component of matching.
    milestones_accepted_count = models.PositiveIntegerField(default=0)
    milestones_on_time_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Delta sync (kpo/api/sync.py): the database numbers every insert and update,
    # bulk ones included, from one always-increasing counter (triggers, see
    # kpo/change_seq.py); 0 is only a placeholder the trigger replaces. After
    # save() the instance holds the old number: refresh_from_db(fields=["change_seq"]).
    change_seq = models.BigIntegerField(unique=True, editable=False, db_default=0)
    # An id the client's ERP keeps for this vendor; not unique (several ERPs may tag one vendor).
    external_id = models.CharField(max_length=100, blank=True, db_index=True)

    # `domains` is tracked too: each historical record keeps the set of domains
    # the vendor covered at that moment (vendors_historicalvendor_domains).
    history = HistoricalRecords(
        excluded_fields=[
            "rating",
            "review_count",
            "milestones_accepted_count",
            "milestones_on_time_count",
            "updated_at",
            "change_seq",
        ],
        m2m_fields=["domains"],
    )
    # Read by simple-history when the row is saved or deleted (set by the services).
    _history_user: "AbstractBaseUser | None"
    skip_history_when_saving: bool

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="vendor_updated_idx"),
            models.Index(fields=["headquarters_country"], name="vendor_hq_country_idx"),
            models.Index(fields=["is_active", "verified"], name="vendor_active_verified_idx"),
            models.Index(fields=["rating"], name="vendor_rating_idx"),
            # The directory's default order: a page of active vendors by name, from the index.
            models.Index(fields=["name", "id"], condition=Q(is_active=True), name="vendor_active_name_idx"),
            # The directory's rating and review orders (vendors/selectors.py, _ordering), the same
            # expressions, so a page is read from an index.
            models.Index(
                bayesian_rating_expression().desc(),
                F("review_count").desc(),
                F("name").asc(),
                F("id").asc(),
                condition=Q(is_active=True),
                name="vendor_active_rating_idx",
            ),
            # (SQLite has no NULLS LAST in an index: PostgreSQL reads this one by review count and
            # sorts each count's few vendors by rating.)
            models.Index(
                F("review_count").desc(),
                F("rating").desc(),
                F("name").asc(),
                F("id").asc(),
                condition=Q(is_active=True),
                name="vendor_active_reviews_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(available_fte__gte=0), name="vendor_available_fte_non_negative"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="vendor_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(headquarters_country__regex=COUNTRY_SHAPE), name="vendor_hq_country_shape"
            ),
            models.CheckConstraint(
                condition=Q(milestones_on_time_count__lte=F("milestones_accepted_count")),
                name="vendor_milestones_on_time_within_accepted",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VendorLanguage(models.Model):
    """A working language of the vendor (ISO 639-1). A table, not a JSON list,
    so the directory filter is an indexed join on SQLite and PostgreSQL alike."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=2, validators=[validate_language])

    history = HistoricalRecords()
    # Read by simple-history when the row is saved or deleted (set by the services).
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "code"], name="vendor_language_unique"),
            models.CheckConstraint(condition=Q(code__regex=LANGUAGE_SHAPE), name="vendor_language_shape"),
        ]
        indexes = [models.Index(fields=["code", "vendor"], name="vendor_language_code_idx")]

    def __str__(self) -> str:
        return self.code


class VendorSkill(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="vendor_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="vendor_skills")
    proficiency = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    years_experience = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(60)])

    history = HistoricalRecords()
    # Read by simple-history when the row is saved or deleted (set by the services).
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "skill"], name="vendor_skill_unique"),
            models.CheckConstraint(
                condition=Q(proficiency__gte=1, proficiency__lte=5), name="vendor_skill_proficiency_range"
            ),
            models.CheckConstraint(condition=Q(years_experience__lte=60), name="vendor_skill_years_range"),
        ]
        indexes = [models.Index(fields=["skill", "proficiency", "vendor"], name="vendor_skill_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.skill} ({self.proficiency}/5)"


class VendorSearchDocument(models.Model):
    """What the directory's text search reads (PostgreSQL): the vendor's folded name and its
    weighted text document. Written only by a database trigger, in the transaction of any
    change to the vendor, its skills or domains (migration 0010, vendors/search.py); SQLite
    (the demo) leaves it empty and searches the vendor's text directly."""

    # The database deletes it with its vendor (ON DELETE CASCADE, migration 0010).
    vendor = models.OneToOneField(
        Vendor,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="search_document",
        editable=False,
    )
    name = models.TextField(editable=False)
    document = SearchVectorField(editable=False)
    # The vendor's own name and activity (migration 0014), so a search sorted by relevance is
    # ranked and paged from this table alone, then only the page's vendors are read
    # (vendors.keyset.read_page): the same order as the directory's (rank, name, id).
    sort_name = models.CharField(max_length=200, default="", editable=False)
    is_active = models.BooleanField(default=True, editable=False)


class FactArrayField(ArrayField):
    """An array column on PostgreSQL; a text column on SQLite (the demo), which has no arrays
    and never writes or reads VendorFilterFacts."""

    def db_type(self, connection):
        return super().db_type(connection) if connection.vendor == "postgresql" else "text"

    def cast_db_type(self, connection):
        return super().cast_db_type(connection) if connection.vendor == "postgresql" else "text"


class VendorFilterFacts(models.Model):
    """What the directory's filters test of a vendor's parts, one row per vendor (PostgreSQL):
    the ids of its domains, skills and certifications, the countries and (country, time zone)
    places of its delivery centres, and its languages, as arrays under one GIN index. Filters
    combined become one bitmap of the index instead of a probe per candidate into each part's
    table (region + location + rate cap on 100,000 vendors: 77 -> 20 ms). Written only by the
    search documents' SQL function, in the transaction of any change to the vendor or its
    parts (migration 0016); the database deletes it with its vendor (ON DELETE CASCADE). SQLite
    (the demo) leaves the table empty and filters the parts' tables directly
    (vendors.selectors._apply_filters)."""

    vendor = models.OneToOneField(
        Vendor,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="filter_facts",
        editable=False,
    )
    domains = FactArrayField(models.BigIntegerField(), editable=False)  # ExpertiseArea ids
    skills = FactArrayField(models.BigIntegerField(), editable=False)  # Skill ids, any proficiency
    certifications = FactArrayField(models.BigIntegerField(), editable=False)  # Certification ids, valid or not
    countries = FactArrayField(models.CharField(max_length=2), editable=False)  # of its delivery centres
    places = FactArrayField(models.TextField(), editable=False)  # its centres' "country|time zone"
    languages = FactArrayField(models.CharField(max_length=2), editable=False)

    @staticmethod
    def place(country: str, tz: str) -> str:
        """A centre's place as `places` holds it."""
        return f"{country}|{tz}"


class VendorRate(models.Model):
    """A vendor's rate for one seniority in the base currency (rate card x exchange rate), so
    the directory sorts and filters by rate through an index. One row per vendor and seniority
    (`rate_base` null: no rate card, or its currency has no exchange rate). Written only by
    database triggers, in the transaction of the change to the vendor, a rate card or an
    exchange rate (migration 0011)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="base_rates", editable=False)
    seniority = models.CharField(max_length=10, choices=Seniority.choices, editable=False)
    rate_base = models.DecimalField(max_digits=30, decimal_places=10, null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vendor", "seniority"], name="vendor_rate_unique_seniority")]
        # ASC puts nulls last, as the directory's rate order does.
        indexes = [models.Index(fields=["seniority", "rate_base", "vendor"], name="vendor_rate_sort_idx")]


class RateCard(models.Model):
    """The vendor's hourly rate for one seniority, in its own currency."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="rates")
    seniority = models.CharField(max_length=10, choices=Seniority.choices)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, validators=[validate_currency])

    history = HistoricalRecords()
    # Read by simple-history when the row is saved or deleted (set by the services).
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["vendor", "seniority"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "seniority"], name="rate_card_unique_seniority"),
            models.CheckConstraint(condition=Q(hourly_rate__gt=0), name="rate_card_rate_positive"),
            models.CheckConstraint(condition=Q(seniority__in=Seniority.values), name="rate_card_seniority_valid"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_SHAPE), name="rate_card_currency_shape"),
        ]
        indexes = [models.Index(fields=["seniority", "hourly_rate"], name="rate_card_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.get_seniority_display()}: {self.hourly_rate} {self.currency}/h"


class DeliveryCenter(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="delivery_centers")
    country = models.CharField(max_length=2, validators=[validate_country])
    city = models.CharField(max_length=120)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    headcount = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()
    # Read by simple-history when the row is saved or deleted (set by the services).
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["vendor", "-headcount", "city"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "country", "city"], name="delivery_center_unique_city"),
            models.CheckConstraint(condition=Q(country__regex=COUNTRY_SHAPE), name="delivery_center_country_shape"),
        ]
        # Country filter, and the distinct (country, time zone) pairs the location filter
        # classifies (a loose index scan, vendors.selectors.values_in_use).
        indexes = [models.Index(fields=["country", "timezone", "vendor"], name="delivery_center_place_idx")]

    def __str__(self) -> str:
        return f"{self.city}, {self.country}"


class VendorCertification(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="vendor_certifications")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="vendor_certifications")
    # Null means the certification does not expire.
    valid_until = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    reference = models.CharField(max_length=120, blank=True)

    history = HistoricalRecords()
    # Read by simple-history when the row is saved or deleted (set by the services).
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["certification__name"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "certification"], name="vendor_certification_unique"),
            models.CheckConstraint(
                condition=date_in_range("valid_until"), name="vendor_certification_valid_until_range"
            ),
        ]
        # The directory's certification filter reads the vendor ids from the index alone.
        indexes = [models.Index(fields=["certification", "valid_until", "vendor"], name="vendor_cert_filter_idx")]

    def __str__(self) -> str:
        return f"{self.certification} until {self.valid_until or '∞'}"


class ExchangeRate(models.Model):
    """How many units of the base currency (settings.BASE_CURRENCY) one unit of
    `currency` buys. Maintained by staff or the API; the seeded rows are demo
    values and say so in `source`."""

    currency = models.CharField(max_length=3, unique=True, validators=[validate_currency])
    rate_to_base = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(EXCHANGE_RATE_MIN), MaxValueValidator(EXCHANGE_RATE_MAX)],
    )
    source = models.CharField(max_length=60, default="manual")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    # Read by simple-history when the row is saved or deleted (set by the services).
    _history_user: "AbstractBaseUser | None"

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency"]
        constraints = [
            models.CheckConstraint(condition=Q(rate_to_base__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=Q(rate_to_base__gte=EXCHANGE_RATE_MIN, rate_to_base__lte=EXCHANGE_RATE_MAX),
                name="exchange_rate_bounded",
            ),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_SHAPE), name="exchange_rate_currency_shape"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate_to_base} base"


# Re-exported here so Django and the migrations find them (vendors/exports/models.py).
from vendors.exports.models import VendorExport, VendorExportStatus  # noqa: E402, F401
