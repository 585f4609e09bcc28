"""Reply tokens: the conversation id signed per store, carried in the ``+`` tag of the address."""

from __future__ import annotations

import pytest

from zabota.connectors.email.tokens import make_token, read_token, reply_address, split_address, tokens_in

SECRET = "test-secret"


def test_token_round_trip():
    token = make_token(store_id=7, conversation_id=123, secret=SECRET)

    assert token.startswith("c123-")
    assert len(token) == len("c123-") + 12
    assert read_token(token, store_id=7, secret=SECRET) == 123


def test_token_uses_secret_key_by_default(settings):
    settings.SECRET_KEY = "another-key"
    token = make_token(store_id=1, conversation_id=5)

    assert read_token(token, store_id=1) == 5
    assert read_token(token, store_id=1, secret=SECRET) is None


def test_token_survives_case_folding():
    token = make_token(store_id=7, conversation_id=9, secret=SECRET)

    assert read_token(token.upper(), store_id=7, secret=SECRET) == 9


def test_token_of_another_store_is_refused():
    token = make_token(store_id=7, conversation_id=123, secret=SECRET)

    assert read_token(token, store_id=8, secret=SECRET) is None


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda t: t.replace("c123-", "c124-"), id="other-conversation"),
        pytest.param(lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"), id="signature-changed"),
        pytest.param(lambda t: t[:-1], id="signature-short"),
        pytest.param(lambda t: t + "a", id="signature-long"),
        pytest.param(lambda t: "c0123-" + t.split("-")[1], id="leading-zero"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: "orders", id="ordinary-tag"),
        pytest.param(lambda t: "c-" + t.split("-")[1], id="no-id"),
    ],
)
def test_edited_token_is_refused(edit):
    token = make_token(store_id=7, conversation_id=123, secret=SECRET)

    assert read_token(edit(token), store_id=7, secret=SECRET) is None


def test_make_token_refuses_non_positive_ids():
    with pytest.raises(ValueError, match="positive"):
        make_token(store_id=1, conversation_id=0, secret=SECRET)


def test_reply_address_replaces_an_existing_tag():
    assert reply_address("Support@Shop.RU", "c1-abcdefghijkl") == "support+c1-abcdefghijkl@shop.ru"
    assert reply_address("support+old@shop.ru", "c1-abcdefghijkl") == "support+c1-abcdefghijkl@shop.ru"


def test_split_address():
    assert split_address("<Support+C1-X@Shop.RU>") == ("support", "c1-x", "shop.ru")
    assert split_address("support@shop.ru") == ("support", "", "shop.ru")
    assert split_address("not-an-address") == ("not-an-address", "", "")


def test_tokens_in_finds_token_shaped_tags_once_in_order():
    first = make_token(store_id=1, conversation_id=1, secret=SECRET)
    second = make_token(store_id=1, conversation_id=2, secret=SECRET)
    addresses = [
        "orders+promo@shop.ru",
        f"support+{first}@shop.ru",
        f"SUPPORT+{first.upper()}@shop.ru",
        f"forward+{second}@gmail.com",
        "plain@shop.ru",
    ]

    assert tokens_in(addresses) == [first, second]
