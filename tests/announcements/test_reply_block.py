"""Must-read announcements block an agent's reply until acknowledged (a store setting); notes never."""

from __future__ import annotations

import pytest

from tests.announcements.helpers import hours, publish
from tests.factories import make_conversation, make_team
from zabota.announcements import actions
from zabota.conversations import actions as conversation_actions
from zabota.conversations.models import Message
from zabota.core.errors import Conflict
from zabota.stores.actors import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def conv(store):
    return make_conversation(store, text="Когда привезут заказ?")


def _reply(conv, agent, text="Завтра"):
    return conversation_actions.reply(conversation=conv, text=text, by=Actor.of_agent(agent))


def test_must_read_blocks_reply_then_acknowledging_allows_it(store, agent, lead, conv):
    # given
    announcement = publish(store, Actor.of_agent(lead), title="Задержка доставки", must_read=True)

    # when / then: refused, naming the announcement, nothing sent
    with pytest.raises(Conflict) as error:
        _reply(conv, agent)
    assert error.value.code == "must_read_pending"
    assert "«Задержка доставки»" in error.value.message
    assert Message.objects.filter(conversation=conv, direction="outbound").count() == 0

    # an internal note is not blocked
    conversation_actions.add_note(conversation=conv, text="Уточнить у склада", by=Actor.of_agent(agent))

    # after acknowledging, the reply goes out
    actions.acknowledge(announcement=announcement, by=Actor.of_agent(agent))
    message = _reply(conv, agent)
    assert (message.direction, message.text) == ("outbound", "Завтра")


def test_reading_without_acknowledging_still_blocks(store, agent, lead, conv):
    announcement = publish(store, Actor.of_agent(lead), must_read=True)
    actions.mark_read(announcement=announcement, by=Actor.of_agent(agent))
    with pytest.raises(Conflict):
        _reply(conv, agent)


def test_store_can_switch_the_block_off(store, agent, lead, admin, conv):
    publish(store, Actor.of_agent(lead), must_read=True)
    actions.set_options(store=store, by=Actor.of_agent(admin), must_read_blocks_reply=False)
    agent.store.refresh_from_db()

    assert _reply(conv, agent).text == "Завтра"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"must_read": False}, id="not-must-read"),
        pytest.param({"must_read": True, "starts_at": "future"}, id="scheduled"),
        pytest.param({"must_read": True, "audience": "teams"}, id="other-team"),
    ],
)
def test_what_does_not_block(store, agent, lead, conv, fields):
    if fields.get("starts_at") == "future":
        fields["starts_at"] = hours(3)
    if fields.get("audience") == "teams":
        fields["teams"] = [make_team(store, "Вторая линия")]
    publish(store, Actor.of_agent(lead), **fields)

    assert _reply(conv, agent).text == "Завтра"


@pytest.mark.parametrize("by", [Actor.bot(), Actor.system()], ids=["bot", "system"])
def test_bot_and_system_are_never_blocked(store, lead, conv, by):
    publish(store, Actor.of_agent(lead), must_read=True)
    message = conversation_actions.reply(conversation=conv, text="Автоответ", by=by)
    assert message.text == "Автоответ"
