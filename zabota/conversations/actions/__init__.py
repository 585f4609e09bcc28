"""Every write to conversations goes through these functions (UI, API, macros, bot, tasks)."""

from zabota.conversations.actions.bulk import Received, receive_batch
from zabota.conversations.actions.inbound import deliver, process_inbound, store_inbound
from zabota.conversations.actions.inbound_batch import ingest_many, process_inbound_batch, store_inbound_many
from zabota.conversations.actions.macros import (
    apply_macro,
    delete_macro,
    delete_script,
    render,
    save_macro,
    save_script,
)
from zabota.conversations.actions.merge import merge_conversations, merge_customers, unmerge_customers
from zabota.conversations.actions.messages import add_note, open_conversation, receive_message, reply
from zabota.conversations.actions.properties import (
    add_tags,
    assign,
    escalate,
    remove_tags,
    set_category,
    set_priority,
    set_status,
    set_subject,
    set_tags,
    set_team,
    transfer,
)

__all__ = [
    "Received",
    "ingest_many",
    "process_inbound_batch",
    "receive_batch",
    "store_inbound_many",
    "add_note",
    "add_tags",
    "apply_macro",
    "assign",
    "delete_macro",
    "delete_script",
    "deliver",
    "escalate",
    "merge_conversations",
    "merge_customers",
    "open_conversation",
    "process_inbound",
    "receive_message",
    "remove_tags",
    "render",
    "reply",
    "save_macro",
    "save_script",
    "set_category",
    "set_priority",
    "set_status",
    "set_subject",
    "set_tags",
    "set_team",
    "store_inbound",
    "transfer",
    "unmerge_customers",
]
