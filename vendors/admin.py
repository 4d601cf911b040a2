from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from vendors import services
from vendors.models import (
    Certification,
    DeliveryCenter,
    ExchangeRate,
    ExpertiseArea,
    RateCard,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)
from vendors.signals import send_vendor_changed


@admin.register(ExpertiseArea)
class ExpertiseAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "skill_total"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(skill_total=Count("skills"))

    @admin.display(description=_("skills"), ordering="skill_total")
    def skill_total(self, obj):
        return obj.skill_total


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "domain", "is_active"]
    list_filter = ["domain", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "code"]
    list_select_related = ["domain"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "issuer", "is_security"]
    list_filter = ["is_security"]
    search_fields = ["name", "code", "issuer"]


class VendorLanguageInline(admin.TabularInline):
    model = VendorLanguage
    extra = 0


class VendorSkillInline(admin.TabularInline):
    model = VendorSkill
    extra = 0
    autocomplete_fields = ["skill"]


class RateCardInline(admin.TabularInline):
    model = RateCard
    extra = 0


class DeliveryCenterInline(admin.TabularInline):
    model = DeliveryCenter
    extra = 0


class VendorCertificationInline(admin.TabularInline):
    model = VendorCertification
    extra = 0
    autocomplete_fields = ["certification"]


@admin.register(Vendor)
class VendorAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "headquarters_country",
        "verified",
        "is_active",
        "rating",
        "review_count",
        "available_fte",
    ]
    list_filter = ["verified", "is_active", "domains", "headquarters_country"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "rating",
        "review_count",
        "milestones_accepted_count",
        "milestones_on_time_count",
        "verified_at",
        "created_at",
        "updated_at",
    ]
    filter_horizontal = ["domains"]
    inlines = [VendorLanguageInline, VendorSkillInline, RateCardInline, DeliveryCenterInline, VendorCertificationInline]
    actions = ["verify", "unverify", "deactivate", "activate"]
    date_hierarchy = "created_at"
    # 100,000 vendors: counting the whole table on every filter change is wasted work.
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "website", "headquarters_country", "founded_year"]}),
        (_("Expertise"), {"fields": ["domains"]}),
        (_("Capacity and status"), {"fields": ["available_fte", "verified", "verified_at", "is_active"]}),
        (
            _("Derived"),
            {
                "fields": [
                    "rating",
                    "review_count",
                    "milestones_accepted_count",
                    "milestones_on_time_count",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def save_related(self, request, form, formsets, change):
        """After the vendor, its domains and its inline rows are saved (inside the
        admin's transaction): a changed profile marks the shortlists that include
        the vendor stale (vendors.signals.vendor_changed)."""
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            send_vendor_changed([form.instance.pk])

    def _report(self, request, message: str) -> None:
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Verify selected vendors"), permissions=["change"])
    def verify(self, request, queryset):
        count = services.vendor_set_verified(vendors=queryset, verified=True)
        self._report(
            request, ngettext("%(count)d vendor verified.", "%(count)d vendors verified.", count) % {"count": count}
        )

    @admin.action(description=_("Withdraw verification"), permissions=["change"])
    def unverify(self, request, queryset):
        count = services.vendor_set_verified(vendors=queryset, verified=False)
        self._report(
            request, ngettext("%(count)d vendor unverified.", "%(count)d vendors unverified.", count) % {"count": count}
        )

    @admin.action(description=_("Deactivate selected vendors"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = services.vendor_set_active(vendors=queryset, active=False)
        self._report(
            request,
            ngettext("%(count)d vendor deactivated.", "%(count)d vendors deactivated.", count) % {"count": count},
        )

    @admin.action(description=_("Reactivate selected vendors"), permissions=["change"])
    def activate(self, request, queryset):
        count = services.vendor_set_active(vendors=queryset, active=True)
        self._report(
            request,
            ngettext("%(count)d vendor reactivated.", "%(count)d vendors reactivated.", count) % {"count": count},
        )


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    list_display = ["currency", "rate_to_base", "source", "updated_at"]
    list_filter = ["source"]
    search_fields = ["currency"]
