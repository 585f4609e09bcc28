"""Real mail servers on loopback for the email tests: Debian's Dovecot (IMAP) and aiosmtpd (SMTP).

Import the fixtures into a test module (``from tests.email_servers import dovecot, imap_account,
smtp_server  # noqa: F401``). Dovecot runs once per session on a temporary configuration (plaintext
auth on 127.0.0.1, no TLS, passwd-file users, maildirs in a temporary directory); every test gets a
fresh account, so mailboxes never leak between tests. Messages are delivered by IMAP ``APPEND``, as a
mail server's local delivery would put them there.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
HOST = "127.0.0.1"
SMTP_USER = "mailer"
ACCOUNTS = 200  # IMAP users per session, one per test
SMTP_PASSWORD = "smtp-secret"  # noqa: S105 - a throwaway password of a loopback test server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_greeting(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1) as sock:
            if sock.recv(100).startswith(b"* OK"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"dovecot did not greet on port {port}:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


@dataclass
class ImapAccount:
    host: str
    port: int
    username: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.username, self.password)
        return client

    def append(self, raw: bytes | EmailMessage, folder: str = "INBOX") -> int:
        """Deliver one message into ``folder``; returns its UID."""
        data = raw.as_bytes(policy=policy.SMTP) if isinstance(raw, EmailMessage) else raw
        client = self.connect()
        try:
            if folder != "INBOX":
                client.create(folder)
            status, response = client.append(folder, None, None, data)
            assert status == "OK", response
            # "[APPENDUID <uidvalidity> <uid>] Append completed."
            words = response[0].decode().strip("[]").split()
            return int(words[2].rstrip("]"))
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX") -> list[int]:
        client = self.connect()
        try:
            client.select(folder, readonly=True)
            _, data = client.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
            return [int(uid) for uid in data[0].split()]
        finally:
            client.logout()


@dataclass
class DovecotServer:
    host: str
    port: int
    root: Path
    mail_uid: int
    mail_gid: int
    accounts: list[ImapAccount] = field(default_factory=list)

    def add_account(self) -> ImapAccount:
        """A user of its own with an empty INBOX (maildirs appear on first login).

        The users are written before Dovecot starts: its passwd-file cache notices later edits only
        by the file's mtime in whole seconds, so a user added just after a login may be refused.
        """
        if not self.accounts:
            raise RuntimeError(f"all {ACCOUNTS} test accounts of this Dovecot are used; raise ACCOUNTS")
        return self.accounts.pop(0)


def _mail_ids() -> tuple[str, str, int, int]:
    """Who Dovecot's processes run as: the current user, or Debian's system users under root.

    Dovecot refuses to run login processes or to access mail as root.
    """
    if os.geteuid() != 0:
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        return user, group, os.geteuid(), os.getegid()
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        pytest.skip("running as root without Debian's dovecot/dovenull users (install dovecot-imapd)")
    return "dovecot", grp.getgrgid(internal.pw_gid).gr_name, internal.pw_uid, internal.pw_gid


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """Debian's Dovecot on a free loopback port, for the whole session."""
    if not os.access(DOVECOT, os.X_OK):
        pytest.skip(f"Dovecot is not installed ({DOVECOT}); .ci/run installs dovecot-imapd")
    user, group, uid, gid = _mail_ids()
    login_user = "dovenull" if os.geteuid() == 0 else user
    root = Path(tempfile.mkdtemp(prefix="zabota-dovecot-"))
    root.chmod(0o755)  # the mail user must reach the maildirs
    (root / "home").mkdir()
    os.chown(root / "home", uid, gid)
    port = free_port()
    accounts = [
        ImapAccount(
            host=HOST, port=port, username=f"support{n}@shop.test", password=f"imap-{secrets.token_hex(8)}"
        )
        for n in range(ACCOUNTS)
    ]
    (root / "passwd").write_text("".join(f"{a.username}:{{PLAIN}}{a.password}::::::\n" for a in accounts))
    config = root / "dovecot.conf"
    config.write_text(
        _CONFIG.format(
            root=root, host=HOST, port=port, user=user, group=group, login_user=login_user, uid=uid, gid=gid
        )
    )
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_greeting(port, process, root / "dovecot.log")
        yield DovecotServer(host=HOST, port=port, root=root, mail_uid=uid, mail_gid=gid, accounts=accounts)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    """A fresh IMAP user with an empty INBOX on the session's Dovecot."""
    return dovecot.add_account()


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed: EmailMessage = message_from_bytes(self.data, policy=policy.default)  # type: ignore[assignment]
        return parsed


class _Collector:
    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        self.messages.append(
            ReceivedMail(
                mail_from=str(envelope.mail_from), rcpt_tos=list(envelope.rcpt_tos), data=bytes(content)
            )
        )
        return "250 Message accepted for delivery"


def _authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == SMTP_USER
        and auth_data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    collector: _Collector

    @property
    def messages(self) -> list[ReceivedMail]:
        return self.collector.messages

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An aiosmtpd server on a free loopback port that keeps every message it receives.

    AUTH (PLAIN/LOGIN with ``SMTP_USER``/``SMTP_PASSWORD``) is offered without TLS but not required.
    """
    collector = _Collector()
    port = free_port()
    controller = Controller(
        collector,
        hostname=HOST,
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
        auth_required=False,
    )
    controller.start()
    try:
        yield SmtpServer(
            host=HOST, port=port, username=SMTP_USER, password=SMTP_PASSWORD, collector=collector
        )
    finally:
        controller.stop()
