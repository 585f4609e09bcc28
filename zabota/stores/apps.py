from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "zabota.stores"
    label = "stores"
    verbose_name = "Stores"
