from zabota.conversations.models.conversation import (
    Category,
    Channel,
    Conversation,
    ConversationQuerySet,
    Priority,
    Status,
    Tag,
)
from zabota.conversations.models.deadline import (
    RUNNING_STATES,
    Deadline,
    DeadlineKind,
    DeadlineState,
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
    "RUNNING_STATES",
    "Deadline",
    "DeadlineKind",
    "DeadlineState",
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
