"""Raw inbound payloads, stored before processing so that nothing is lost."""

from __future__ import annotations

from django.db import models

from zabota.stores.models import Store


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "received"
    PROCESSED = "processed", "processed"
    FAILED = "failed", "failed"


class InboundRecordQuerySet(models.QuerySet["InboundRecord"]):
    def for_store(self, store: Store | int) -> InboundRecordQuerySet:
        return self.filter(store=store)


class InboundRecord(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    message_id = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = InboundRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "channel", "idempotency_key"], name="inbound_store_channel_key"
            )
        ]
        indexes = [models.Index(fields=["store", "status", "received_at"], name="inbound_store_status")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.idempotency_key}"


def _new_inbound_secret() -> str:
    import secrets

    return secrets.token_urlsafe(32)


class Security(models.TextChoices):
    SSL = "ssl", "SSL/TLS"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", "none (loopback / testing only)"


class MailboxQuerySet(models.QuerySet["Mailbox"]):
    def for_store(self, store: Store | int) -> MailboxQuerySet:
        return self.filter(store=store)

    def active(self) -> MailboxQuerySet:
        return self.filter(is_active=True)


class Mailbox(models.Model):
    """A support address of a store: IMAP (or the raw-MIME HTTP endpoint) in, SMTP out."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="mailboxes")
    name = models.CharField(max_length=100)
    address = models.EmailField(max_length=254, help_text="The support address customers write to.")
    from_name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    # Inbound over IMAP (leave imap_host empty to receive only through the HTTP endpoint).
    imap_host = models.CharField(max_length=253, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    imap_username = models.CharField(max_length=254, blank=True)
    imap_password = models.CharField(max_length=500, blank=True)
    imap_folder = models.CharField(max_length=200, default="INBOX")
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    use_idle = models.BooleanField(default=True)
    # Outbound over SMTP.
    smtp_host = models.CharField(max_length=253, blank=True)
    smtp_port = models.PositiveIntegerField(default=465)
    smtp_security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    smtp_username = models.CharField(max_length=254, blank=True)
    smtp_password = models.CharField(max_length=500, blank=True)
    # The HTTP endpoint for email services' inbound webhooks (raw MIME), authenticated by this secret.
    inbound_secret = models.CharField(max_length=64, default=_new_inbound_secret)
    # Reply storms: at most this many messages per sender per hour are turned into messages.
    max_messages_per_sender_per_hour = models.PositiveIntegerField(default=30)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MailboxQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "address"], name="mailbox_store_address")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class ImapCursor(models.Model):
    """Where polling stopped: a restart neither re-imports nor skips (UIDs are valid per UIDVALIDITY)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="cursors")
    folder = models.CharField(max_length=200)
    uidvalidity = models.BigIntegerField()
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "folder"], name="imapcursor_mailbox_folder")
        ]

    def __str__(self) -> str:
        return f"{self.folder}@{self.uidvalidity}:{self.last_uid}"


class RawEmailStatus(models.TextChoices):
    STORED = "stored", "stored"
    PROCESSED = "processed", "processed"
    IGNORED = "ignored", "ignored"  # duplicate Message-ID, auto-reply storm, bounce handled
    FAILED = "failed", "failed"  # kept raw and flagged for admins


class RawEmailQuerySet(models.QuerySet["RawEmail"]):
    def for_store(self, store: Store | int) -> RawEmailQuerySet:
        return self.filter(store=store)


class RawEmail(models.Model):
    """The bytes of an email exactly as received, stored before anything parses them."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="raw")
    source = models.CharField(max_length=10)  # imap | http
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    message_id = models.CharField(max_length=998, blank=True)
    sender = models.CharField(max_length=254, blank=True)  # From address, lower-cased: the rate limit
    imap_folder = models.CharField(max_length=200, blank=True)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RawEmailStatus.choices, default=RawEmailStatus.STORED)
    kind = models.CharField(max_length=16, blank=True)  # autoreply.classify(): normal, auto_reply, bounce…
    error = models.TextField(blank=True)
    message_pk = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = RawEmailQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "imap_folder", "imap_uidvalidity", "imap_uid"],
                name="rawemail_imap_uid",
                condition=models.Q(imap_uid__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["store", "status", "received_at"], name="rawemail_store_status"),
            models.Index(fields=["store", "message_id"], name="rawemail_store_msgid"),
            models.Index(fields=["store", "sender", "received_at"], name="rawemail_store_sender"),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.source}:{self.message_id or self.sha256[:12]}"
