from tests.factories import make_conversation
from zabota.conversations import actions
from zabota.conversations.models import ConversationEvent
from zabota.stores.actors import Actor


def test_receive_then_reply(store, agent, django_capture_on_commit_callbacks, published):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = make_conversation(store, text="Где мой заказ?")
        actions.reply(conversation=conversation, text="Уже едет", by=Actor.of_agent(agent))
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert conversation.assignee == agent
    assert list(
        ConversationEvent.objects.filter(conversation=conversation).values_list("type", flat=True)
    ) == ["created", "message_received", "assigned", "replied", "status_changed"]
    assert [e.event for e in published] == [
        "conversation.created",
        "message.created",
        "conversation.updated",
        "conversation.updated",
        "message.created",
    ]
