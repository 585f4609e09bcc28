from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "zabota.notify"
    label = "notify"
    verbose_name = "Notifications"
