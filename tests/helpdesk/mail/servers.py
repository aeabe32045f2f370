"""Real mail servers for the tests: a private Dovecot (IMAP) and an SMTP server.

Registered as a plugin in ``tests/conftest.py``, so every test folder (the
helpdesk's and the browser tests) can ask for ``dovecot`` or ``smtp_server``.

Dovecot runs as a subprocess with a configuration of its own in a temporary
folder: its own port on 127.0.0.1, plaintext login allowed there, one test user
from a passwd file and Maildir storage under the same folder. It is skipped when
the ``dovecot`` binary is missing, except in CI, where that is a failure.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

DOVECOT_USER = "helpdesk@example.org"
DOVECOT_PASSWORD = "imap-test-password"  # noqa: S105 - a throw-away test server
START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot",) if Path(p).exists()), None
    )


@dataclass
class Dovecot:
    """A running private Dovecot: where it listens and how to log in."""

    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen[bytes]

    def url(self, folder: str = "INBOX", **params: str) -> str:
        """The mailbox address in the form the helpdesk settings take."""
        from urllib.parse import quote, urlencode

        query = urlencode(params)
        return (
            f"imap+plain://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{quote(folder)}" + (f"?{query}" if query else "")
        )

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _dovecot_config(root: Path, port: int) -> str:
    if os.geteuid() == 0:
        # As root, Dovecot drops to its own users; the mail belongs to one of them
        # (it refuses to give mail to root).
        account = pwd.getpwnam("dovecot")
        users = ""
    else:
        account = pwd.getpwuid(os.geteuid())
        users = (
            f"default_internal_user = {account.pw_name}\n"
            f"default_login_user = {account.pw_name}\n"
            f"default_internal_group = {account.pw_gid}\n"
        )
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, account.pw_uid, account.pw_gid)
    passwd = root / "passwd"
    passwd.write_text(f"{DOVECOT_USER}:{{PLAIN}}{DOVECOT_PASSWORD}::::::\n")
    return f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = allmende-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
disable_plaintext_auth = no
{users}first_valid_uid = {account.pw_uid}
last_valid_uid = {account.pw_uid}
mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={home}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _wait_for_greeting(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until the server answers with its IMAP greeting (or has died)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            pass
        # Waiting on the process is the pause between tries, and notices its end.
        try:
            process.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        text = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"dovecot ended with {process.returncode}:\n{text}")
    raise RuntimeError(f"dovecot did not answer on port {port}")


def start_dovecot(root: Path) -> Dovecot:
    """Start a private Dovecot under ``root``; the caller stops its process."""
    binary = _dovecot_binary()
    if binary is None:
        raise FileNotFoundError("dovecot")
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_dovecot_config(root, port))
    process = subprocess.Popen(  # noqa: S603 - our own binary and config
        [binary, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(root / "stderr.log").open("wb"),
    )
    try:
        _wait_for_greeting(process, port, root / "dovecot.log")
    except BaseException:
        stop_dovecot(process)
        raise
    return Dovecot(
        host="127.0.0.1",
        port=port,
        user=DOVECOT_USER,
        password=DOVECOT_PASSWORD,
        root=root,
        process=process,
    )


def stop_dovecot(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A private Dovecot for the whole session (see the module's docstring)."""
    if _dovecot_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Dovecot (dovecot-imapd); .ci/run installs it")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    # Not under pytest's temporary folder: that is private to this user, and
    # Dovecot's own users must reach the password file and the mail.
    root = Path(tempfile.mkdtemp(prefix="allmende-dovecot-"))
    root.chmod(0o711)
    try:
        server = start_dovecot(root)
        yield server
        stop_dovecot(server.process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_folder(dovecot: Dovecot, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new empty folder (and its processed folder) for one test."""
    from imapclient import IMAPClient

    name = f"T{abs(hash(request.node.nodeid)) % 10**10}-{time.monotonic_ns()}"
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(dovecot.user, dovecot.password)
        client.create_folder(name)
    yield name
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(dovecot.user, dovecot.password)
        for folder in (name, f"{name}/Processed"):
            if client.folder_exists(folder):
                client.delete_folder(folder)


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd in a thread) that keeps what it receives."""

    host: str
    port: int
    messages: list[ReceivedMail] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """The received mails once there are at least ``count`` of them."""
        with self._arrived:
            if not self._arrived.wait_for(
                lambda: len(self.messages) >= count, timeout=timeout
            ):
                raise AssertionError(
                    f"{len(self.messages)} of {count} mails arrived in {timeout}s"
                )
            return list(self.messages)

    def wait_until(
        self, wanted: Callable[[ReceivedMail], bool], timeout: float = 10.0
    ) -> ReceivedMail:
        """The first received mail for which ``wanted`` is true, once it came."""
        with self._arrived:
            if not self._arrived.wait_for(
                lambda: any(wanted(m) for m in self.messages), timeout=timeout
            ):
                raise AssertionError(f"the mail did not arrive in {timeout}s")
            return next(m for m in self.messages if wanted(m))

    async def handle_DATA(
        self, server: object, session: object, envelope: object
    ) -> str:  # noqa: N802 - aiosmtpd's hook name
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),  # type: ignore[attr-defined]
            rcpt_tos=list(envelope.rcpt_tos),  # type: ignore[attr-defined]
            raw=bytes(envelope.original_content or envelope.content),  # type: ignore[attr-defined]
        )
        with self._arrived:
            self.messages.append(mail)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 for the whole session.

    Point Django at it with ``settings.EMAIL_HOST``/``EMAIL_PORT`` and the SMTP
    backend; ``smtp_server.wait_for(n)`` waits until n mails arrived.
    """
    from aiosmtpd.controller import Controller

    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    yield server
    controller.stop()


@pytest.fixture
def smtp_outbox(smtp_server: SmtpServer, settings: object) -> SmtpServer:
    """The SMTP server, emptied, with the platform's mail delivered to it."""
    smtp_server.clear()
    settings.ALLMENDE_EMAIL_DELIVERY_BACKEND = (  # type: ignore[attr-defined]
        "django.core.mail.backends.smtp.EmailBackend"
    )
    settings.EMAIL_HOST = smtp_server.host  # type: ignore[attr-defined]
    settings.EMAIL_PORT = smtp_server.port  # type: ignore[attr-defined]
    settings.EMAIL_USE_TLS = False  # type: ignore[attr-defined]
    settings.EMAIL_USE_SSL = False  # type: ignore[attr-defined]
    settings.EMAIL_HOST_USER = ""  # type: ignore[attr-defined]
    settings.EMAIL_HOST_PASSWORD = ""  # type: ignore[attr-defined]
    return smtp_server
