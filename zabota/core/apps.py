from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "zabota.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from zabota.core.sqlite import install

        connection_created.connect(install, dispatch_uid="zabota-sqlite-unicode-like")
