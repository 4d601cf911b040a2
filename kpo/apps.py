from django.apps import AppConfig


class KpoConfig(AppConfig):
    name = "kpo"
    verbose_name = "Accounts and platform"
