from datetime import timedelta

from django.apps import AppConfig


class AnnouncementsConfig(AppConfig):
    name = "zabota.announcements"
    label = "announcements"
    verbose_name = "Announcements"

    def ready(self) -> None:
        from zabota.announcements.tasks import announce_started
        from zabota.core.scheduler import register_job

        register_job("announcements.announce_started", announce_started, every=timedelta(minutes=1))
