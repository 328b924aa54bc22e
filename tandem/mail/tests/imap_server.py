"""A real IMAP server for the inbound tests: Debian's dovecot, started as a subprocess with its own
configuration in a temporary directory (no system configuration, no root needed when run as a user).

    server = DovecotServer.start()
    server.append("sales@example.com", PASSWORD, raw_bytes)   # any user name logs in with PASSWORD
    ...
    server.stop()

The `dovecot` fixture gives one server per test module (each test adds its own user, so mailboxes never
mix). Without /usr/sbin/dovecot the tests are skipped, unless TANDEM_IMAP_REQUIRED=1 (CI) makes it a failure.
"""

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DOVECOT = Path("/usr/sbin/dovecot")
# The ports this suite may use (the helper's range; parallel runs on one machine each take a free one).
PORTS = range(10143, 10161)
# The password of every user of the test server (a static passdb: any user name with this password).
PASSWORD = "imap-secret"  # noqa: S105


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {PORTS.start}-{PORTS.stop - 1} for the test IMAP server.")


def require_dovecot() -> None:
    if DOVECOT.exists():
        return
    message = "Debian's dovecot is missing at /usr/sbin/dovecot (apt-get install dovecot-imapd)."
    if os.environ.get("TANDEM_IMAP_REQUIRED") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _users() -> tuple[str, str, int, int]:
    """(internal user, login user, mail uid, mail gid). Dovecot refuses to run its login processes or
    mail as root: as root, its package's own users serve; as anyone else, that user does everything."""
    if os.getuid() != 0:
        name = pwd.getpwuid(os.getuid()).pw_name
        return name, name, os.getuid(), os.getgid()
    internal = pwd.getpwnam("dovecot")
    login = pwd.getpwnam("dovenull")
    return internal.pw_name, login.pw_name, internal.pw_uid, internal.pw_gid


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = /dev/stderr
info_log_path = /dev/null
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
mail_location = maildir:{root}/mail/%u
mail_max_userip_connections = 100
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


class DovecotServer:
    def __init__(self, root: Path, port: int, tls_port: int, process: subprocess.Popen) -> None:
        self.root = root
        self.host = "127.0.0.1"
        self.port = port
        # The IMAPS port (TLS from the start) when started with `tls=True`, else 0.
        self.tls_port = tls_port
        self.process = process

    @classmethod
    def start(cls, *, tls: bool = False) -> "DovecotServer":
        """Start a server; `tls=True` gives it a self-signed certificate, STARTTLS on `port` and IMAPS on
        `tls_port` (a client that verifies certificates, as Tandem's does, refuses it)."""
        require_dovecot()
        # Not pytest's tmp_path: its parents are private to this user, and dovecot's own users must enter.
        root = Path(tempfile.mkdtemp(prefix="tandem-dovecot-"))
        root.chmod(0o755)
        internal_user, login_user, uid, gid = _users()
        for name in ("mail", "home"):
            (root / name).mkdir()
            os.chown(root / name, uid, gid)
        port = free_port()
        tls_port, ssl = 0, "ssl = no"
        if tls:
            _self_signed_certificate(root)
            with socket.socket() as holder:  # hold the first port so the second search skips it
                holder.bind(("127.0.0.1", port))
                tls_port = free_port()
            ssl = f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
        config = CONFIG.format(
            root=root, port=port, tls_port=tls_port, ssl=ssl, password=PASSWORD, uid=uid, gid=gid,
            internal_user=internal_user, internal_group=_group_name(internal_user), login_user=login_user,
        )  # fmt: skip
        (root / "dovecot.conf").write_text(config)
        log = (root / "dovecot.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 (a fixed binary and our own config file)
            [str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")], stdout=log, stderr=subprocess.STDOUT
        )
        server = cls(root, port, tls_port, process)
        server._wait_until_listening()
        return server

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), timeout=1) as sock,
            ):
                if sock.recv(100).startswith(b"* OK"):
                    return
            time.sleep(0.1)
        log = (self.root / "dovecot.log").read_text(errors="replace")
        self.stop()
        raise RuntimeError(f"dovecot did not start:\n{log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self, username: str) -> None:
        """Nothing to do: every user name logs in with PASSWORD and gets its own maildir (a passwd-file
        would be re-read by dovecot at most once a second, too slow for tests that add users quickly)."""

    @contextlib.contextmanager
    def session(self, username: str, password: str):
        client = imaplib.IMAP4(self.host, self.port, timeout=30)
        client.login(username, password)
        try:
            yield client
        finally:
            client.logout()

    def append(self, username: str, password: str, *messages: bytes, folder: str = "INBOX") -> None:
        with self.session(username, password) as client:
            if folder != "INBOX":
                client.create(folder)
            for raw in messages:
                status, data = client.append(folder, None, None, raw)
                assert status == "OK", data

    def uidvalidity(self, username: str, password: str, folder: str = "INBOX") -> int:
        with self.session(username, password) as client:
            client.select(folder, readonly=True)
            return int(client.response("UIDVALIDITY")[1][0])


def _self_signed_certificate(root: Path) -> None:
    subprocess.run(  # noqa: S603
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    (root / "key.pem").chmod(0o644)


def _group_name(user: str) -> str:
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


@pytest.fixture(scope="module")
def dovecot():
    server = DovecotServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dovecot_tls():
    server = DovecotServer.start(tls=True)
    yield server
    server.stop()
