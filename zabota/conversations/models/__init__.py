from zabota.conversations.models.conversation import (
    Category,
    Channel,
    Conversation,
    ConversationQuerySet,
    Priority,
    Status,
    Tag,
)
from zabota.conversations.models.event import ConversationEvent, EventType
from zabota.conversations.models.macro import Macro, Script, ScriptStep
from zabota.conversations.models.message import (
    Attachment,
    AuthorKind,
    DeliveryStatus,
    Direction,
    Message,
)

__all__ = [
    "Attachment",
    "AuthorKind",
    "Category",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "ConversationQuerySet",
    "DeliveryStatus",
    "Direction",
    "EventType",
    "Macro",
    "Message",
    "Priority",
    "Script",
    "ScriptStep",
    "Status",
    "Tag",
]
