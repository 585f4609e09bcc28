from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "zabota.connectors"
    label = "connectors"
    verbose_name = "Channels"
