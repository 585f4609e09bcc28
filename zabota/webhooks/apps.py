from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "zabota.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
