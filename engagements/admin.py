from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from engagements.delivery.services import vendor_milestone_counts_refresh
from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementEvent,
    MatchResult,
    MatchRun,
    Membership,
    Milestone,
    Requirement,
    RequirementSkill,
    Review,
    WebhookDelivery,
    WebhookEndpoint,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fk_name = "client"


@admin.register(ClientOrganization)
class ClientOrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "currency", "timezone", "working_hours_start", "working_hours_end"]
    list_filter = ["country", "currency"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "client", "vendor", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "client__name", "vendor__name"]
    autocomplete_fields = ["user", "client", "vendor"]
    list_select_related = ["user", "client", "vendor"]


class RequirementSkillInline(admin.TabularInline):
    model = RequirementSkill
    extra = 0
    autocomplete_fields = ["skill"]


@admin.register(Requirement)
class RequirementAdmin(SimpleHistoryAdmin):
    list_display = ["title", "client", "domain", "seniority", "budget_hourly_rate", "currency", "status", "created_at"]
    list_filter = ["status", "domain", "seniority", "selection_method", "confidentiality"]
    search_fields = ["title", "description", "client__name"]
    list_select_related = ["client", "domain"]
    autocomplete_fields = ["client", "created_by"]
    filter_horizontal = ["required_certifications"]
    inlines = [RequirementSkillInline]
    date_hierarchy = "created_at"


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "requirement",
        "status",
        "progress",
        "attempts",
        "candidates_eligible",
        "result_total",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["requirement__title", "requirement__client__name"]
    list_select_related = ["requirement"]
    readonly_fields = [field.name for field in MatchRun._meta.fields]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(result_total=Count("results"))

    @admin.display(description=_("results"), ordering="result_total")
    def result_total(self, obj):
        return obj.result_total

    def has_add_permission(self, request):
        return False


@admin.register(MatchResult)
class MatchResultAdmin(admin.ModelAdmin):
    list_display = ["run", "rank", "vendor", "score", "estimated_cost", "currency"]
    list_select_related = ["run", "vendor"]
    search_fields = ["vendor__name"]
    readonly_fields = [field.name for field in MatchResult._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class EngagementEventInline(admin.TabularInline):
    model = EngagementEvent
    extra = 0
    readonly_fields = ["kind", "from_value", "to_value", "note", "actor", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["id", "vendor", "client", "requirement", "status", "agreed_rate", "currency", "fte", "start_date"]
    list_filter = ["status"]
    search_fields = ["vendor__name", "client__name", "requirement__title"]
    list_select_related = ["vendor", "client", "requirement"]
    autocomplete_fields = ["vendor", "client", "requirement", "proposed_by"]
    raw_id_fields = ["match_result"]
    inlines = [MilestoneInline, EngagementEventInline]

    def save_formset(self, request, form, formset, change):
        """A milestone edited here (its history records who and what) may change whether it was
        on time: the vendor's on-time record is counted again."""
        super().save_formset(request, form, formset, change)
        if formset.model is Milestone:
            vendor_milestone_counts_refresh(vendor_id=form.instance.vendor_id)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["vendor", "rating", "engagement", "author", "created_at"]
    list_filter = ["rating"]
    search_fields = ["vendor__name", "comment"]
    list_select_related = ["vendor", "engagement", "author"]
    raw_id_fields = ["engagement", "vendor", "author"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "client", "is_active", "consecutive_failures", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "client__name"]
    list_select_related = ["client"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "event", "endpoint", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]
    list_select_related = ["endpoint"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
