"""IMAP reading against a real Dovecot on loopback: read-only, by UID, every failure names its step."""

from __future__ import annotations

import imaplib

import pytest

from tests.connectors.imap_helpers import new_account
from tests.email_servers import dovecot, free_port  # noqa: F401 - fixtures
from zabota.connectors.email import imap
from zabota.connectors.email.imap import ImapError, ImapSettings, encode_folder, open_session


@pytest.fixture
def imap_account(dovecot):  # noqa: F811
    return new_account(dovecot)


def _settings(account, **changes) -> ImapSettings:
    values = {
        "host": account.host,
        "port": account.port,
        "security": "none",
        "username": account.username,
        "password": account.password,
        "timeout": 5.0,
    }
    return ImapSettings(**{**values, **changes})


def _email(n: int) -> bytes:
    return (
        f"From: buyer{n}@example.ru\r\nTo: support@shop.test\r\nSubject: n{n}\r\n"
        f"Message-ID: <n{n}@example.ru>\r\n\r\nBody {n}\r\n"
    ).encode()


def _flags(account, uid: int) -> str:
    client = account.connect()
    try:
        client.select("INBOX", readonly=True)
        _status, data = client.uid("FETCH", str(uid), "(FLAGS)")
        return data[0].decode()
    finally:
        client.logout()


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", '"INBOX"'),
        ("Входящие", '"&BBIERQQ+BDQETwRJBDgENQ-"'),
        ("A & B", '"A &- B"'),
        ('Say "hi"', '"Say \\"hi\\""'),
        ("Mixed/Заказы", '"Mixed/&BBcEMAQ6BDAENwRL-"'),
    ],
)
def test_encode_folder_is_modified_utf7_quoted(name, encoded):
    assert encode_folder(name) == encoded


def test_reads_new_mail_by_uid_without_marking_it_seen(imap_account):
    uids = [imap_account.append(_email(n)) for n in (1, 2, 3)]

    with open_session(_settings(imap_account)) as session:
        uidvalidity = session.select("INBOX")
        after_first = session.uids_after(uids[0])
        after_last = session.uids_after(uids[-1])
        raw = session.fetch(uids[1])
        missing = session.fetch(uids[-1] + 100)

    assert uidvalidity > 0
    assert after_first == uids[1:]
    assert after_last == []  # "n:*" also matches the highest UID; it is dropped
    assert raw is not None
    assert b"Message-ID: <n2@example.ru>" in raw
    assert missing is None
    assert "\\Seen" not in _flags(imap_account, uids[1])
    assert imap_account.uids() == uids


def test_non_ascii_folder(imap_account):
    uid = imap_account.append(_email(1), folder=encode_folder("Заказы"))

    with open_session(_settings(imap_account)) as session:
        session.select("Заказы")
        assert session.uids_after(0) == [uid]


def test_wrong_password_fails_at_login(imap_account):
    with pytest.raises(ImapError) as caught, open_session(_settings(imap_account, password="wrong")):
        pass

    assert caught.value.step == "login"


def test_closed_port_fails_at_connect(imap_account):
    with pytest.raises(ImapError) as caught, open_session(_settings(imap_account, port=free_port())):
        pass

    assert caught.value.step == "connect"
    assert "ConnectionRefusedError" in caught.value.detail


def test_missing_folder_fails_at_select(imap_account):
    with pytest.raises(ImapError) as caught, open_session(_settings(imap_account)) as session:
        session.select("Нет такой")

    assert caught.value.step == "select"
    assert "Нет такой" in caught.value.detail


def test_tls_against_a_plain_server_fails_at_tls(imap_account):
    with pytest.raises(ImapError) as caught, open_session(_settings(imap_account, security="ssl")):
        pass

    assert caught.value.step in ("tls", "connect")


def test_test_connection_reports_every_step(imap_account):
    imap_account.append(_email(1))

    checks = imap.test_connection(_settings(imap_account))

    assert [(c.step, c.ok) for c in checks] == [("connect", True), ("login", True), ("select", True)]
    assert checks[0].detail == f"{imap_account.host}:{imap_account.port}, no encryption"
    assert checks[2].detail.startswith("“INBOX”: 1 messages, UIDVALIDITY ")


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        pytest.param({"password": "wrong"}, [("connect", True), ("login", False)], id="password"),
        pytest.param({"folder": "Нет"}, [("connect", True), ("login", True), ("select", False)], id="folder"),
    ],
)
def test_test_connection_stops_at_the_failing_step(imap_account, changes, failing):
    checks = imap.test_connection(_settings(imap_account, **changes))

    assert [(c.step, c.ok) for c in checks] == failing
    assert checks[-1].detail != ""


def test_test_connection_on_a_closed_port(db):
    settings = ImapSettings(
        host="127.0.0.1", port=free_port(), security="starttls", username="u", password="p", timeout=2
    )

    checks = imap.test_connection(settings)

    assert [(c.step, c.ok) for c in checks] == [("connect", False)]


class _FakeImap:
    """Just enough of ``imaplib.IMAP4`` for the server quirks Dovecot does not show."""

    def __init__(self, *, select_data=None, status_data=None, untagged=None):
        self.select_data = select_data or [b"3"]
        self.status_data = status_data
        self.untagged = untagged or []

    def select(self, mailbox, readonly=False):
        return "OK", self.select_data

    def response(self, code):
        return code, self.untagged

    def status(self, mailbox, names):
        return "OK", self.status_data or [b'"INBOX" (UIDVALIDITY 77)']


def test_uidvalidity_from_status_when_select_does_not_say_it():
    session = imap.ImapSession(_FakeImap(untagged=[None]))  # type: ignore[arg-type]

    assert session.select("INBOX") == 77


def test_server_without_uidvalidity_is_an_error():
    session = imap.ImapSession(_FakeImap(status_data=[b'"INBOX" (MESSAGES 1)']))  # type: ignore[arg-type]

    with pytest.raises(ImapError, match="select: the server reported no UIDVALIDITY"):
        session.select("INBOX")


def test_network_error_during_fetch_names_the_step():
    class Broken(_FakeImap):
        def uid(self, *args):
            raise imaplib.IMAP4.abort("socket error: EOF")

    with pytest.raises(ImapError, match="^fetch: abort: socket error: EOF$"):
        imap.ImapSession(Broken()).fetch(1)  # type: ignore[arg-type]
