"""`vipnet-cert-bot doctor`: is everything in place for the bot to run? Each check: ok/fail and a hint.

Exits 0 when every check passes, 1 otherwise. Never prints a password or a traceback.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bot import config as config_mod
from bot import rules as rules_mod
from bot.commands import config_option

OK, FAIL, SKIP = "ок", "ОШИБКА", "пропущено"


@dataclass
class Check:
    name: str
    status: str
    detail: str = ""
    hint: str = ""


class Failed(Exception):
    def __init__(self, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.detail, self.hint = detail, hint


def _run(name: str, func: Callable[[], str], results: list[Check]) -> bool:
    try:
        detail = func()
    except Failed as exc:
        results.append(Check(name, FAIL, exc.detail, exc.hint))
        return False
    except Exception as exc:  # noqa: BLE001 - a check must report, never crash the doctor
        results.append(Check(name, FAIL, f"{type(exc).__name__}: {exc}", "неожиданная ошибка; см. журнал"))
        return False
    results.append(Check(name, OK, detail))
    return True


def check_config(path: Path) -> tuple[config_mod.Config | None, Check]:
    try:
        cfg = config_mod.load(path)
    except config_mod.ConfigError as exc:
        return None, Check("Файл настроек", FAIL, str(exc),
                           f"исправьте {path} (образец и описание ключей — docs/INSTALL.md)")
    return cfg, Check("Файл настроек", OK, f"{path}; сводка и оповещения: {', '.join(cfg.bot.infosec_heads)}; "
                                         f"ответы организаций (Reply-To): {cfg.bot.reply_to}")


def check_rules(cfg: config_mod.Config) -> Callable[[], str]:
    def run() -> str:
        from bot.cases.policy import load_policy
        from bot.digest.settings import load_digest, load_retention
        from bot.pipeline import chain as chain_mod

        hint = f"исправьте файл в {cfg.bot.rules_dir} (описание — rules/README.md)"
        try:
            rules = rules_mod.load(cfg.bot.rules_dir)
            chain = chain_mod.load(rules)
            load_policy(rules)
            load_digest(rules)
            load_retention(rules)
            from bot.scan.config import from_rules

            from_rules(rules)  # rules/form.toml: every key, no unknown ones, right types
            for name in ("reply_received.txt.j2", "digest.html.j2", "digest.txt.j2", "alert_review.txt.j2",
                         "reply_sent_to_review.txt.j2"):
                rules.templates.get_template(name)
        except rules_mod.RulesError as exc:
            raise Failed(str(exc), hint) from exc
        except Exception as exc:  # a template syntax error and the like
            raise Failed(f"{type(exc).__name__}: {exc}", hint) from exc
        signature = rules.sections.get("letters", {}).get("signature", {})
        empty = [what for key, what in (("phone", "телефон"), ("postal_address", "почтовый адрес"))
                 if not str(signature.get(key, "")).strip()]
        unsigned = f"; в подписи писем не заполнены: {', '.join(empty)} (letters.toml)" if empty else ""
        return (f"{cfg.bot.rules_dir}: файлов {len(rules.sections)}, звеньев цепочки {len(chain.links)}, "
                f"обработчиков {len(chain.prepare) + len(chain.commit) + len(chain.review)}{unsigned}")

    return run


def check_registry(cfg: config_mod.Config) -> Callable[[], str]:
    def run() -> str:
        from bot import registry as registry_mod

        try:
            registry = registry_mod.load(cfg.bot.organisations)
        except registry_mod.RegistryError as exc:
            raise Failed(str(exc), "нужен CSV со столбцами inn,ogrn,name,email,vipnet_node") from exc
        if not registry.organisations:
            raise Failed(f"{cfg.bot.organisations}: в реестре нет ни одной организации",
                         "добавьте организации в CSV")
        return f"{cfg.bot.organisations}: организаций {len(registry.organisations)}"

    return run


def check_tesseract() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise Failed("программа tesseract не найдена",
                     "apt-get install tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng")
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Failed(f"tesseract не запускается: {exc}", "переустановите пакет tesseract-ocr") from exc
    langs = {line.strip() for line in (out.stdout + out.stderr).splitlines()}
    missing = [lang for lang in ("rus", "eng") if lang not in langs]
    if missing:
        raise Failed(f"нет языковых данных: {', '.join(missing)}",
                     "apt-get install " + " ".join(f"tesseract-ocr-{m}" for m in missing))
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    first = (version.stdout or version.stderr).splitlines()[:1]
    return f"{first[0] if first else exe}; языки rus, eng"


def check_state_dir(cfg: config_mod.Config) -> Callable[[], str]:
    def run() -> str:
        path = cfg.bot.state_dir
        if not path.exists():
            parent = path.parent
            while not parent.exists():
                parent = parent.parent
            if not os.access(parent, os.W_OK | os.X_OK):
                raise Failed(f"{path} нет, и создать её нельзя (нет прав на {parent})",
                             "под systemd её создаёт StateDirectory=; иначе: install -d -m 0700 -o USER " + str(path))
            return f"{path} ещё нет; бот создаст её (права 0700)"
        if not path.is_dir():
            raise Failed(f"{path} — не папка", "укажите в [bot] state_dir папку")
        mode = stat.S_IMODE(path.stat().st_mode)
        try:
            with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
                pass
        except OSError as exc:
            raise Failed(f"в {path} нельзя писать: {exc.strerror}",
                         "владельцем папки должен быть пользователь бота") from exc
        if mode & 0o077:
            raise Failed(f"{path}: права {mode:04o}, а нужно 0700 (там сканы и персональные данные)",
                         f"chmod 0700 {path}")
        store = path / "store.json"
        if store.exists():
            from bot.store import Store, StoreError

            try:
                s = Store(path)
                s.storage.read()
                s.close()
            except StoreError as exc:
                raise Failed(str(exc), "восстановите store.json из резервной копии (docs/INSTALL.md)") from exc
        return f"{path}: права {mode:04o}, запись возможна"

    return run


def check_imap(cfg: config_mod.Config, rules: rules_mod.Rules | None) -> Callable[[], str]:
    def run() -> str:
        if cfg.imap is None:
            assert cfg.maildir is not None
            if not cfg.maildir.is_dir():
                raise Failed(f"папка писем {cfg.maildir} не найдена", "создайте её или укажите [imap]")
            return f"локальная папка писем {cfg.maildir}"
        from bot.edge.imap import ImapMailbox
        from bot.edge.mailbox import MailboxError

        imap = cfg.imap
        where = f"{imap.user}@{imap.host}:{imap.port} ({imap.security})"
        box = ImapMailbox(imap, timeout=15.0)
        try:
            box.connect()
        except config_mod.ConfigError as exc:
            raise Failed(str(exc), "пароль: [imap] password_file или LoadCredential=imap-password") from exc
        except MailboxError as exc:
            raise Failed(f"{where}: {exc}",
                         "проверьте адрес, порт, security, имя и пароль; доступ к серверу по сети") from exc
        try:
            client = box.client
            assert client is not None
            notes = [f"вход выполнен, папка {imap.folder} открыта"]
            if rules is not None:
                folders = rules.section("mail").get("folders", {})
                for key in ("processed", "review"):
                    name = folders.get(key)
                    if name:
                        exists = client.folder_exists(box.server_name(name))
                        notes.append(f"«{name}» " + ("есть" if exists else "будет создана ботом"))
        finally:
            box.close()
        return f"{where}: " + "; ".join(notes)

    return run


def check_smtp(cfg: config_mod.Config) -> Callable[[], str]:
    def run() -> str:
        if cfg.smtp is None:
            assert cfg.pickup_dir is not None
            target = cfg.pickup_dir if cfg.pickup_dir.exists() else cfg.pickup_dir.parent
            if not os.access(target, os.W_OK):
                raise Failed(f"в папку {cfg.pickup_dir} нельзя писать", "проверьте права")
            return f"папка исходящих {cfg.pickup_dir}"
        from bot.edge.transport import SmtpTransport, TransportError

        smtp = cfg.smtp
        where = f"{smtp.host}:{smtp.port} ({smtp.security})"
        try:
            kind = SmtpTransport(smtp, timeout=15.0).greet()
        except config_mod.ConfigError as exc:
            raise Failed(str(exc), "пароль: [smtp] password_file или LoadCredential=smtp-password") from exc
        except TransportError as exc:
            raise Failed(str(exc), "проверьте адрес, порт, security, имя и пароль; доступ к серверу по сети") from exc
        return f"{where}: сервер ответил ({kind})" + (f", вход {smtp.user} выполнен" if smtp.user else "")

    return run


def diagnose(path: Path) -> list[Check]:
    results: list[Check] = []
    cfg, first = check_config(path)
    results.append(first)
    _run("Tesseract и языки rus+eng", check_tesseract, results)
    if cfg is None:
        for name in ("Правила", "Реестр организаций", "Папка состояния", "Почтовый ящик (IMAP)",
                     "Отправка писем (SMTP)"):
            results.append(Check(name, SKIP, "нет настроек"))
        return results
    rules: Any = None
    if _run("Правила", check_rules(cfg), results):
        rules = rules_mod.load(cfg.bot.rules_dir)
    _run("Реестр организаций", check_registry(cfg), results)
    _run("Папка состояния", check_state_dir(cfg), results)
    _run("Почтовый ящик (IMAP)", check_imap(cfg, rules), results)
    _run("Отправка писем (SMTP)", check_smtp(cfg), results)
    return results


@click.command("doctor")
@config_option
def doctor(config_path: Path | None) -> None:
    """Проверить настройки, правила, Tesseract, почтовый ящик, SMTP и папку состояния."""
    path = config_mod.resolve_path(str(config_path) if config_path else None)
    results = diagnose(path)
    width = max(len(c.name) for c in results)
    for c in results:
        mark = {OK: "[ ок ]", FAIL: "[ОШИБКА]", SKIP: "[ -- ]"}[c.status]
        click.echo(f"{mark:8} {c.name:<{width}}  {c.detail}")
        if c.hint:
            click.echo(f"{'':8} {'':<{width}}  подсказка: {c.hint}")
    failed = [c for c in results if c.status == FAIL]
    if failed:
        click.echo(f"\nНе пройдено проверок: {len(failed)} из {len(results)}.", err=True)
        raise SystemExit(1)
    click.echo(f"\nВсе проверки пройдены ({len(results)}).", err=True)


COMMANDS = [doctor]
