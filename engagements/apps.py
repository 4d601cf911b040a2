from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Clients, requirements and engagements"

    def ready(self) -> None:
        from engagements.receivers import on_vendor_changed
        from vendors.signals import vendor_changed

        vendor_changed.connect(on_vendor_changed, dispatch_uid="engagements.mark_shortlists_stale")
