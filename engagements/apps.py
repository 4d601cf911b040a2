from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = _("Clients, requirements and engagements")

    def ready(self) -> None:
        from engagements.receivers import on_vendor_changed
        from vendors.signals import vendor_changed

        vendor_changed.connect(on_vendor_changed, dispatch_uid="engagements.mark_shortlists_stale")
