from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zabota.demo"
    label = "demo"
    verbose_name = "Demo data"
