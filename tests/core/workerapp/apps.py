from datetime import timedelta

from django.apps import AppConfig


class WorkerTestConfig(AppConfig):
    """Loaded only by ``tests.core.worker_settings``: the subprocess workers schedule just the test job."""

    name = "tests.core.workerapp"
    label = "workertest"

    def ready(self) -> None:
        from tests.core.worker_tasks import tick
        from zabota.core.scheduler import JOBS, register_job

        JOBS.clear()
        register_job("test.tick", tick, every=timedelta(seconds=1))
