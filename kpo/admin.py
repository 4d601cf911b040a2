from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kpo.models import User, WorkerHeartbeat


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "organization", "is_staff", "is_active"]
    list_select_related = ["membership__client", "membership__vendor"]

    @admin.display(description=_("organization"))
    def organization(self, obj):
        membership = getattr(obj, "membership", None)
        if membership is None:
            return "–"
        return f"{membership.get_role_display()} · {membership.client or membership.vendor}"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "beat_at"]
    readonly_fields = ["hostname", "beat_at"]

    def has_add_permission(self, request):
        return False
