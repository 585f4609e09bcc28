from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "zabota.sla"
    label = "sla"
    verbose_name = "Service targets"
