"""A throwaway Dovecot on 127.0.0.1: its own config, users and mail dir under a temp folder.

Installed as a Debian package by scripts/setup.sh (dovecot-imapd). Works as root
(mail stored as the 'dovecot' user: Dovecot refuses uid 0 for mail) and as a
normal user (everything runs as that user).
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MAX_USERS = 300
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost: (cert.pem, key.pem)."""
    import ipaddress
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Dovecot:
    root: Path
    port: int = field(default_factory=free_port)
    tls: bool = False
    tls_port: int = field(default_factory=free_port)
    capabilities: str | None = None  # replaces what the server advertises (to test fallbacks)
    separator: str = "/"             # the hierarchy separator ("." is Dovecot's Maildir default)
    _users: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    def _identities(self) -> tuple[str, str, int, int]:
        if os.geteuid() == 0:
            pw = pwd.getpwnam("dovecot")
            return "dovenull", "dovecot", pw.pw_uid, pw.pw_gid
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me, os.geteuid(), os.getegid()

    def start(self) -> None:
        login_user, internal_user, uid, gid = self._identities()
        internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
        for sub in ("run", "mail", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # All users made up front: Dovecot re-reads passwd-file by mtime, too coarse for a fast test run.
        (self.root / "passwd").write_text(
            "".join(f"user{i}:{{PLAIN}}secret::::::\n" for i in range(1, MAX_USERS + 1)))
        if os.geteuid() == 0:
            os.chown(self.root / "mail", uid, gid)
        if self.tls:
            cert, key = make_certificate(self.root)
            ssl_settings = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"
            imaps_port = self.tls_port
        else:
            ssl_settings, imaps_port = "ssl = no\n", 0
        if self.capabilities:
            ssl_settings += f"imap_capability = {self.capabilities}\n"
        self.conf.write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/run/state
instance_name = vcbtest-{self.port}
protocols = imap
listen = 127.0.0.1
log_path = {self.root}/log/dovecot.log
{ssl_settings}disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:{self.root}/mail/%u
mail_fsync = always
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service auth {{
  user = $default_internal_user
}}
service auth-worker {{
  user = $default_internal_user
}}
namespace inbox {{
  inbox = yes
  separator = {self.separator}
}}
""")
        subprocess.run([DOVECOT, "-c", str(self.conf)], check=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self) -> None:
        subprocess.run([DOVECOT, "-c", str(self.conf), "stop"], check=False, capture_output=True)

    def log(self) -> str:
        path = self.root / "log" / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def add_user(self) -> tuple[str, str]:
        """A fresh, empty mailbox account for one test."""
        number = next(self._users)
        if number > MAX_USERS:
            raise RuntimeError("raise MAX_USERS in tests/support/dovecot.py")
        return f"user{number}", "secret"

    def client(self, user: str, password: str = "secret") -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, password)
        return client

    def doveadm(self, *args: str) -> str:
        result = subprocess.run([DOVEADM, "-c", str(self.conf), *args], check=True,
                                capture_output=True, text=True)
        return result.stdout
