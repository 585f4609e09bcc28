from datetime import timedelta

from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "zabota.stores"
    label = "stores"
    verbose_name = "Stores"

    def ready(self) -> None:
        from zabota.core.scheduler import register_job
        from zabota.stores.tasks import age_presence_task

        register_job("presence.auto_away", age_presence_task, every=timedelta(minutes=1))
