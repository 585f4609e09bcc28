from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "zabota.conversations"
    label = "conversations"
    verbose_name = "Conversations"
