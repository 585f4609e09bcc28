from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "zabota.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from zabota.conversations.models import Category, Channel
        from zabota.stores import vocabulary

        # agents' skills and per-channel capacity (stores) name these categories and channels
        vocabulary.register(categories=Category.choices, channels=Channel.choices)

        from datetime import timedelta

        from zabota.conversations.queue_alerts import queue_alerts_task
        from zabota.conversations.sweep import sweep_task
        from zabota.core.scheduler import register_job

        register_job("sla.sweep", sweep_task, every=timedelta(seconds=15))
        register_job("conversations.queue_alerts", queue_alerts_task, every=timedelta(minutes=1))

        from zabota.conversations.jobs import JOB_NAME, retry_stuck_inbound_task

        register_job(JOB_NAME, retry_stuck_inbound_task, every=timedelta(minutes=1))

        from zabota.conversations.email_inbound import POLL_JOB_NAME, poll_mailboxes_task

        # each mailbox is polled when its own interval has passed; this only bounds the latency
        register_job(POLL_JOB_NAME, poll_mailboxes_task, every=timedelta(seconds=10))
