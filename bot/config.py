"""The operator's configuration (TOML), validated when loaded.

Secrets are never in the TOML: `password_file` names a file, or systemd passes
the password as a credential (LoadCredential=imap-password / smtp-password).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from email.utils import formataddr, getaddresses, parseaddr
from pathlib import Path
from typing import Any

from bot import DEFAULT_RULES_DIR

CONFIG_ENV = "VIPNET_CERT_BOT_CONFIG"
DEFAULT_CONFIG_PATH = Path("/etc/vipnet-cert-bot/config.toml")
SECURITY_MODES = ("ssl", "starttls", "none")


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix (in Russian)."""


@dataclass(frozen=True)
class Secret:
    """A password read from a file when needed; never printed."""

    path: Path | None

    def read(self) -> str | None:
        if self.path is None:
            return None
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"не удалось прочитать файл пароля {self.path}: {exc.strerror}") from exc

    def __repr__(self) -> str:
        return f"Secret(path={self.path!s})"


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int
    security: str
    user: str | None
    password: Secret
    ca_file: Path | None = None
    verify_tls: bool = True


@dataclass(frozen=True)
class ImapConfig(ServerConfig):
    folder: str = "INBOX"


@dataclass(frozen=True)
class BotConfig:
    address: str
    # The To of the digest and the alerts: one address, or several joined by ", " (the TOML may give a list).
    infosec_head: str
    state_dir: Path
    organisations: Path
    rules_dir: Path = DEFAULT_RULES_DIR
    log_level: str = "INFO"
    # A folder the daemon watches for electronic request files (PKCS#10) exported from the CA software.
    requests_dir: Path | None = None
    # The Reply-To of letters to organisations: the mailbox the bot reads, so corrections reach it.
    reply_to: str = ""

    @property
    def infosec_heads(self) -> list[str]:
        """Every address of the digest and alert recipients."""
        return [addr for _, addr in getaddresses([self.infosec_head]) if addr]


@dataclass(frozen=True)
class Config:
    bot: BotConfig
    imap: ImapConfig | None = None
    smtp: ServerConfig | None = None
    # The embedded default: a local Maildir in place of IMAP, a pickup folder of .eml in place of SMTP.
    maildir: Path | None = None
    pickup_dir: Path | None = None
    source: Path | None = field(default=None, compare=False)


def resolve_path(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return DEFAULT_CONFIG_PATH


def load(path: Path) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"файл настроек не найден: {path}") from exc
    except OSError as exc:
        raise ConfigError(f"не удалось прочитать файл настроек {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"ошибка синтаксиса TOML в {path}: {exc}") from exc
    return parse(raw, base=path.parent, source=path)


def parse(raw: dict[str, Any], *, base: Path, source: Path | None = None) -> Config:
    def path_of(value: Any, key: str) -> Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"ключ {key}: нужен путь (строка)")
        p = Path(value)
        return p if p.is_absolute() else (base / p)

    def section(name: str) -> dict[str, Any] | None:
        value = raw.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] должен быть разделом TOML")
        return value

    def require(sec: dict[str, Any], name: str, key: str) -> Any:
        if key not in sec or sec[key] in ("", None):
            raise ConfigError(f"в разделе [{name}] не задан ключ {key}")
        return sec[key]

    for name in ("imap", "smtp"):
        sec = section(name) or {}
        if "password" in sec:
            raise ConfigError(f"[{name}] password: пароль не хранится в файле настроек, укажите password_file")

    bot_sec = section("bot")
    if bot_sec is None:
        raise ConfigError("нет раздела [bot]")
    bot = BotConfig(
        # formataddr quotes or RFC 2047-encodes the name, so mail readers show it whole
        address=formataddr(_address(str(require(bot_sec, "bot", "address"))), charset="utf-8"),
        infosec_head=_addresses(require(bot_sec, "bot", "infosec_head"), "bot.infosec_head"),
        state_dir=path_of(require(bot_sec, "bot", "state_dir"), "bot.state_dir"),
        organisations=path_of(require(bot_sec, "bot", "organisations"), "bot.organisations"),
        rules_dir=path_of(bot_sec["rules_dir"], "bot.rules_dir") if "rules_dir" in bot_sec else DEFAULT_RULES_DIR,
        log_level=str(bot_sec.get("log_level", "INFO")),
        requests_dir=path_of(bot_sec["requests_dir"], "bot.requests_dir") if "requests_dir" in bot_sec else None,
    )

    def server(name: str, default_ports: dict[str, int], credential: str) -> dict[str, Any] | None:
        sec = section(name)
        if sec is None:
            return None
        security = str(sec.get("security", "ssl"))
        if security not in SECURITY_MODES:
            raise ConfigError(f"[{name}] security: одно из {', '.join(SECURITY_MODES)}, а не «{security}»")
        port = sec.get("port", default_ports[security])
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ConfigError(f"[{name}] port: нужен номер порта")
        password_path = path_of(sec["password_file"], f"{name}.password_file") if "password_file" in sec else None
        if password_path is None and os.environ.get("CREDENTIALS_DIRECTORY"):
            candidate = Path(os.environ["CREDENTIALS_DIRECTORY"]) / credential
            if candidate.exists():
                password_path = candidate
        return {
            "host": str(require(sec, name, "host")),
            "port": port,
            "security": security,
            "user": str(sec["user"]) if sec.get("user") else None,
            "password": Secret(password_path),
            "ca_file": path_of(sec["ca_file"], f"{name}.ca_file") if "ca_file" in sec else None,
            "verify_tls": bool(sec.get("verify_tls", True)),
        }

    imap_args = server("imap", {"ssl": 993, "starttls": 143, "none": 143}, "imap-password")
    imap = None
    if imap_args is not None:
        imap_sec = section("imap") or {}
        user = imap_args["user"] or require(imap_sec, "imap", "user")
        imap_args["user"] = str(user)
        imap = ImapConfig(**imap_args, folder=str(imap_sec.get("folder", "INBOX")))
    smtp_args = server("smtp", {"ssl": 465, "starttls": 587, "none": 25}, "smtp-password")
    smtp = ServerConfig(**smtp_args) if smtp_args is not None else None

    maildir_sec = section("maildir")
    pickup_sec = section("pickup")
    maildir = path_of(require(maildir_sec, "maildir", "path"), "maildir.path") if maildir_sec else None
    pickup = path_of(require(pickup_sec, "pickup", "dir"), "pickup.dir") if pickup_sec else None
    if imap is None and maildir is None:
        raise ConfigError("нужен раздел [imap] (почтовый ящик) или [maildir] (локальная папка писем)")
    if smtp is None and pickup is None:
        raise ConfigError("нужен раздел [smtp] (отправка писем) или [pickup] (папка для .eml)")
    bot = replace(bot, reply_to=_reply_to(bot_sec, bot, imap))
    return Config(bot=bot, imap=imap, smtp=smtp, maildir=maildir, pickup_dir=pickup, source=source)


def _address(text: str) -> tuple[str, str]:
    """ "Name <addr>" or addr -> (name, addr). Parentheses in a ViPNet node name are part of the
    name here, not an RFC 5322 comment: "29(АрхТФОМС) УЦ <uc@x>" keeps its brackets."""
    text = text.strip()
    if "<" in text and text.endswith(">"):
        name, addr = text[:-1].rsplit("<", 1)
        return name.strip().strip('"').strip(), addr.strip()
    return "", text


def _addresses(value: Any, key: str) -> str:
    """One address or a list of them (TOML string or array) -> one header value, "a@x, Name <b@y>"."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise ConfigError(f"ключ {key}: нужен адрес или список адресов")
    pairs = []
    for item in items:
        # "a@x, Имя <b@y>; c@z": split at commas and semicolons outside <…>
        parts = [p for p in re.split(r"[,;](?![^<]*>)", item) if p.strip()]
        pairs += [_address(part) for part in parts]
    bad = [addr or name for name, addr in pairs if "@" not in addr or " " in addr]
    if bad or not pairs:
        raise ConfigError(f"ключ {key}: не адрес электронной почты: {', '.join(bad) or value}")
    # formataddr quotes or RFC 2047-encodes the name, so mail readers show it whole
    return ", ".join(formataddr(p, charset="utf-8") for p in pairs)


def _reply_to(bot_sec: dict[str, Any], bot: BotConfig, imap: ImapConfig | None) -> str:
    """bot.reply_to; else the mailbox the bot reads: the IMAP user when it is an address, else the
    (first) InfoSec head, whose mailbox a local Maildir mirrors."""
    if bot_sec.get("reply_to"):
        return _addresses(bot_sec["reply_to"], "bot.reply_to")
    if imap is not None and imap.user and "@" in parseaddr(imap.user)[1]:
        return parseaddr(imap.user)[1]
    return bot.infosec_heads[0]
