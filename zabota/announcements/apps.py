from django.apps import AppConfig


class AnnouncementsConfig(AppConfig):
    name = "zabota.announcements"
    label = "announcements"
    verbose_name = "Announcements"
