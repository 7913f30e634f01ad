"""The daily digest as values: a pure function of the store's state and the moment.

    digest = compose(State(...), now=..., since=..., policy=..., settings=...)
    digest.sections  -> [Section(key, title, columns, rows), ...]   (empty ones left out)

No I/O here: the caller reads the store (bot.digest.state.read) and renders the result
(bot.digest.render). Texts are Russian; section keys are stable for tests and scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.cases import model as m
from bot.cases.policy import Policy
from bot.cases.views import case_view
from bot.clock import MOSCOW
from bot.digest.settings import REVIEW_REASON_NAMES, DigestSettings
from bot.russian import days as plural_days
from bot.russian import plural
from bot.scan.model import VERDICT_NAMES

# Row highlight levels (CSS classes in the HTML, markers in the text).
OVERDUE, TODAY, SOON = "overdue", "today", "soon"
LEVEL_MARKS = {OVERDUE: "[!!] ", TODAY: "[!] ", SOON: "[~] ", "": ""}

REJECTED_VERDICTS = ("incomplete", "review", "not_a_form", "unreadable")
ACTION_NAMES = {
    "accept": "обработано, ответ отправлен",
    "review": "на проверку",
    "file": "обработано без ответа",
}
CASE_EVENT_NAMES = {
    "full_set": "полный набор",
    "waiting_for_request": "ждём электронный запрос",
    "scan_recorded": "скан записан в дело",
    "scan_replaced": "скан заменил непринятый",
    "already_recorded": "уже записано",
    "ambiguous": "несколько подходящих дел",
    "inn_mismatch": "ИНН не совпадает",
    "not_recorded": "дело не открыто",
}
SERVICE_NAMES = {"imap": "Почтовый ящик (IMAP)", "smtp": "Отправка писем (SMTP)"}
OUTBOX_KIND_NAMES = {"reply": "ответ", "notice": "уведомление", "reminder": "напоминание",
                     "warning": "предупреждение", "digest": "сводка", "alert": "оповещение"}


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    level: str = ""                       # OVERDUE, TODAY, SOON or ""
    picture: str | None = None            # a picture key (the letter key) for rejected scans
    details: tuple[str, ...] = ()         # extra lines under the row (reasons)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""


@dataclass(frozen=True)
class State:
    """What the digest reads: plain values from the store (and the registry's names)."""

    messages: Sequence[Mapping[str, Any]] = ()
    cases: Sequence[Mapping[str, Any]] = ()
    outbox: Sequence[Mapping[str, Any]] = ()
    health: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # errors counted by the health table at the last digest: {"imap": n, "smtp": n}
    errors_at_last: Mapping[str, int] = field(default_factory=dict)
    org_names: Mapping[str, str] = field(default_factory=dict)   # ИНН -> name
    duties: Sequence[Mapping[str, Any]] = ()                      # failing duties (bot.upkeep.failing)


@dataclass(frozen=True)
class Digest:
    day: date
    now: datetime
    since: datetime
    sections: tuple[Section, ...]     # business sections, non-empty only
    health: Section                   # always shown
    title: str
    since_display: str
    empty_line: str = ""              # set when there is nothing to report

    @property
    def empty(self) -> bool:
        return not self.sections

    def section(self, key: str) -> Section | None:
        return next((s for s in (*self.sections, self.health) if s.key == key), None)

    @property
    def all_sections(self) -> tuple[Section, ...]:
        return (*self.sections, self.health)

    @property
    def picture_keys(self) -> list[str]:
        return [r.picture for s in self.sections for r in s.rows if r.picture]


# -- small helpers -----------------------------------------------------------------
def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MOSCOW)
    return moment.astimezone(MOSCOW)


def ru_dt(value: Any) -> str:
    moment = value if isinstance(value, datetime) else _dt(value)
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M") if moment else "—"


def ru_day(value: date | str | None) -> str:
    if not value:
        return "—"
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return m.ru_date(day)


def _due_level(due: date, today: date, soon_days: int) -> tuple[str, str]:
    """Highlight level and a Russian remark for a due date."""
    left = (due - today).days
    if left < 0:
        return OVERDUE, f"просрочено на {plural_days(left)}"
    if left == 0:
        return TODAY, "срок сегодня"
    if left <= soon_days:
        return SOON, f"осталось {plural_days(left)}"
    return "", f"осталось {plural_days(left)}"


def review_reason(hits: Sequence[Mapping[str, Any]], case: Mapping[str, Any] | None,
                  scan: Mapping[str, Any] | None) -> str:
    """Why a letter waits for a person: a code from REVIEW_REASON_NAMES."""
    for hit in hits:
        if hit.get("decision") in REVIEW_REASON_NAMES:
            return str(hit["decision"])
    event = (case or {}).get("event")
    if event in ("ambiguous", "inn_mismatch"):
        return str(event)
    verdict = (scan or {}).get("verdict")
    if verdict == "unreadable":
        return "unreadable"
    if verdict == "review":
        doubts = (scan or {}).get("doubts") or []
        return "internal_error" if {"internal_error", "check_timeout"} & set(doubts) else "scan_review"
    return "other"


def _sender(row: Mapping[str, Any]) -> str:
    name = str(row.get("sender_name") or "").strip()
    address = str(row.get("sender") or "").strip() or "(без адреса)"
    return f"{name} <{address}>" if name and name != address else address


def _org(row: Mapping[str, Any], state: State) -> str:
    inn = row.get("organisation_inn")
    if inn:
        return state.org_names.get(str(inn), str(inn))
    # only the registry check says «not in the registry»; a letter that failed was never looked up
    unknown = any(h.get("decision") == "unknown_sender" for h in row.get("hits") or [])
    return "не в реестре" if unknown else "не определена"


def _handled(row: Mapping[str, Any]) -> datetime | None:
    return _dt(row.get("handled_at"))


def _letters_since(state: State, since: datetime, now: datetime) -> list[Mapping[str, Any]]:
    rows = [r for r in state.messages if r.get("decision") and (h := _handled(r)) and since < h <= now]
    return sorted(rows, key=lambda r: str(r.get("handled_at")))


# -- sections ----------------------------------------------------------------------
def _new_letters(state: State, since: datetime, now: datetime,
                 decision_texts: Callable[[Iterable[Mapping[str, Any]]], list[str]]) -> Section:
    rows = []
    for r in _letters_since(state, since, now):
        result = ACTION_NAMES.get(str(r.get("action")), str(r.get("action") or "—"))
        if r.get("action") == "file":  # why no answer: an auto-reply, a mailing list, a robot…
            result += "".join(f": {text}" for text in decision_texts(r.get("hits") or [])[:1])
        verdict = (r.get("scan") or {}).get("verdict")
        if verdict:
            result += f"; {VERDICT_NAMES.get(verdict, verdict)}"
        event = (r.get("case") or {}).get("event")
        case_id = (r.get("case") or {}).get("id")
        if event:
            result += f"; {CASE_EVENT_NAMES.get(event, event)}" + (f" (дело {case_id})" if case_id else "")
        rows.append(Row((ru_dt(r.get("handled_at")), _sender(r), _org(r, state), str(r.get("subject") or ""),
                         result)))
    return Section("new_letters", "Новые письма с прошлой сводки",
                   ("Получено", "Отправитель", "Организация", "Тема", "Результат"), tuple(rows))


def _new_cases(state: State, views: list[dict[str, Any]], since: datetime, now: datetime) -> Section:
    rows = []
    for v in views:
        opened = _dt(v.get("opened_at"))
        if opened and since < opened <= now:
            rows.append(Row((v["id"], ru_dt(opened), v["organisation"], v["owner"] or "—", v["state_name"])))
    return Section("new_cases", "Новые дела с прошлой сводки",
                   ("Дело", "Открыто", "Организация", "Владелец сертификата", "Состояние"), tuple(rows))


def _full_set(views: list[dict[str, Any]], today: date, policy: Policy) -> Section:
    rows = []
    for v in views:
        if v["state"] != m.FULL_SET_STATE or not v["certificate_due"]:
            continue
        due = date.fromisoformat(v["certificate_due"])
        level, remark = _due_level(due, today, 0)
        if level == OVERDUE:
            late = policy.calendar.working_days_in(today - timedelta(days=i) for i in range((today - due).days))
            remark = f"просрочено на {late} {plural(late, 'рабочий день', 'рабочих дня', 'рабочих дней')}" if late \
                else remark
        rows.append((v["certificate_due"], Row((v["id"], v["organisation"], v["owner"] or "—",
                                                v["full_set_on_display"], v["certificate_due_display"], remark),
                                               level=level)))
    rows.sort(key=lambda item: item[0])
    return Section("full_set", "Полный набор: изготовить сертификат (2 рабочих дня)",
                   ("Дело", "Организация", "Владелец сертификата", "Полный набор", "Изготовить до", "Срок"),
                   tuple(r for _, r in rows))


def _rejected(state: State, since: datetime, now: datetime, defect_text: Mapping[str, str]) -> Section:
    rows = []
    for r in _letters_since(state, since, now):
        scan = r.get("scan") or {}
        verdict = scan.get("verdict")
        if verdict not in REJECTED_VERDICTS:
            continue
        reasons = [defect_text.get(code, code) for code in scan.get("defects") or []]
        if scan.get("reason") and scan["reason"] not in reasons:
            reasons.append(str(scan["reason"]))
        has_file = any(a.get("accepted") and a.get("stored_as") for a in r.get("attachments") or [])
        rows.append(Row((ru_dt(r.get("handled_at")), _sender(r), _org(r, state),
                         VERDICT_NAMES.get(verdict, verdict), "; ".join(reasons) or "—"),
                        picture=str(r["key"]) if has_file else None, details=tuple(reasons)))
    return Section("rejected", "Сканы не приняты или ждут решения специалиста",
                   ("Получено", "Отправитель", "Организация", "Заключение", "Что не так"), tuple(rows),
                   note="Рамки на картинке: зелёная — подпись найдена, красная — подписи нет, "
                        "фиолетовый круг — печать.")


def _waiting_request(cases: Sequence[Mapping[str, Any]], views: list[dict[str, Any]], policy: Policy,
                     today: date) -> Section:
    rows = []
    for case, v in zip(cases, views, strict=True):
        if v["state"] != m.WAITING_FOR_REQUEST:
            continue
        st = m.derive(dict(case), policy, today)
        since = st.accepted_on
        waited = plural_days((today - since).days) if since else "—"
        rows.append(Row((v["id"], v["organisation"], v["owner"] or "—", ru_day(since), waited)))
    return Section("waiting_request", "Ждём электронный запрос (скан принят)",
                   ("Дело", "Организация", "Владелец сертификата", "Скан принят", "Ждём"), tuple(rows))


def _paper(views: list[dict[str, Any]], today: date, soon_days: int) -> Section:
    rows = []
    for v in views:
        if v["state"] != m.CERTIFICATE_MADE_STATE:
            continue
        for doc, name in zip(v["missing"], v["missing_names"], strict=True):
            due_iso = v["original_due"] if doc == m.ORIGINAL else v["paper_due"]
            if not due_iso:
                continue
            level, remark = _due_level(date.fromisoformat(due_iso), today, soon_days)
            rows.append((due_iso, Row((v["id"], v["organisation"], v["owner"] or "—", name,
                                       v["made_on_display"], ru_day(due_iso), remark), level=level)))
    rows.sort(key=lambda item: item[0])
    return Section("paper", "Бумажные документы: ждём",
                   ("Дело", "Организация", "Владелец сертификата", "Документ", "Изготовлен", "Срок", "Отметка"),
                   tuple(r for _, r in rows))


def _overdue(views: list[dict[str, Any]], today: date) -> Section:
    rows = []
    for v in views:
        if v["state"] != m.OVERDUE:
            continue
        for doc, name in zip(v["missing"], v["missing_names"], strict=True):
            if doc not in v["overdue"]:
                continue
            due_iso = v["original_due"] if doc == m.ORIGINAL else v["paper_due"]
            late = (today - date.fromisoformat(due_iso)).days if due_iso else 0
            rows.append(Row((v["id"], v["organisation"], v["owner"] or "—", name, ru_day(due_iso),
                             f"просрочено на {plural_days(late)}", "рекомендуется приостановить сертификат"),
                            level=OVERDUE))
    return Section("overdue", "Сроки пропущены: рекомендуется приостановка",
                   ("Дело", "Организация", "Владелец сертификата", "Не получено", "Срок", "Просрочка",
                    "Действие"), tuple(rows),
                   note="После приостановки отметьте её: vipnet-cert-bot suspend ДЕЛО.")


def _expiring(cases: Sequence[Mapping[str, Any]], views: list[dict[str, Any]], today: date,
              days: int, policy: Policy) -> Section:
    from bot.cases.renewal import rotation_ended

    rows = []
    for case, v in zip(cases, views, strict=True):
        if not v["not_after"] or v["suspended"] or v.get("cancelled"):
            continue
        not_after = date.fromisoformat(v["not_after"])
        left = (not_after - today).days
        if not 0 <= left <= days or rotation_ended(case, cases, policy, today):
            continue
        level = TODAY if left <= 7 else SOON
        rows.append((v["not_after"], Row((v["organisation"], v["owner"] or "—", v["serial"] or "—",
                                          v["not_after_display"], plural_days(left)), level=level)))
    rows.sort(key=lambda item: item[0])
    return Section("expiring", f"Сертификаты истекают в ближайшие {plural_days(days)}",
                   ("Организация", "Владелец сертификата", "Серийный номер", "Действует до", "Осталось"),
                   tuple(r for _, r in rows),
                   note="Организациям напоминает бот; новой заявки с полным набором документов ещё нет.")


# -- stalled renewals, suspended and expired certificates (issue 12) -------------------
STALLED_WHAT = {
    m.WAITING_FOR_SCAN: "скан заявки",
    m.SCAN_DEFECTIVE: "исправленный скан заявки",
}


def _stalled(cases: Sequence[Mapping[str, Any]], views: list[dict[str, Any]], policy: Policy, today: date,
             soon_days: int) -> Section:
    """Renewals waiting for the organisation's scan (none yet, or a rejected one): every day until it comes."""
    from bot.cases.renewal import replaced_certificate

    rows = []
    for case, v in zip(cases, views, strict=True):
        if v["state"] not in STALLED_WHAT or not v["stalled_since"]:
            continue
        st = m.derive(dict(case), policy, today)
        since = date.fromisoformat(v["stalled_since"])
        what = STALLED_WHAT[v["state"]] + ("" if st.request_on else " и электронный запрос")
        waited = policy.calendar.working_days_in(since + timedelta(days=i + 1) for i in range((today - since).days))
        sent = sum(1 for k in st.letter_keys if k.startswith(f"stalled:{v['state']}:{v['stalled_since']}:"))
        old = replaced_certificate(case, cases, policy, today)
        level, expires = "", "—"
        if old is not None:
            left = (old.not_after - today).days
            expires = f"{m.ru_date(old.not_after)} ({old.serial})"
            level = OVERDUE if left < 0 else TODAY if left <= 7 else SOON if left <= soon_days else ""
        rows.append((v["stalled_since"], Row((v["id"], v["organisation"], v["owner"] or "—", what,
                                              v["stalled_since_display"], f"{waited} раб.", str(sent), expires),
                                             level=level)))
    rows.sort(key=lambda item: item[0])
    return Section("stalled", "Заявки без движения: ждём организацию",
                   ("Дело", "Организация", "Владелец сертификата", "Ждём", "С", "Дней (рабочих)",
                    "Напоминаний", "Текущий сертификат истекает"), tuple(r for _, r in rows),
                   note="Организациям напоминает бот по графику rules/policy.toml [stalled]. Если продление не нужно: "
                        "vipnet-cert-bot case cancel ДЕЛО --reason «…».")


def _suspended(views: list[dict[str, Any]]) -> Section:
    """Suspended certificates: what is missing; resume at once when nothing overdue is left."""
    rows = []
    for v in views:
        if v["state"] != m.SUSPENDED_STATE:
            continue
        missing = "; ".join(f"{d['name']} — {'срок истёк ' if d['overdue'] else 'до '}{d['due_display']}"
                            for d in v["outstanding"]) or "—"
        if v["overdue"]:
            action, level = "ждём документы; обмен заблокирован", OVERDUE
        else:
            action, level = f"возобновить сейчас: vipnet-cert-bot resume {v['id']}", TODAY
        rows.append(Row((v["id"], v["organisation"], v["owner"] or "—", v["serial"] or "—",
                         v["suspended_on_display"] or "—", missing, action), level=level))
    return Section("suspended", "Сертификаты приостановлены",
                   ("Дело", "Организация", "Владелец сертификата", "Серийный номер", "Приостановлен",
                    "Не получено", "Действие"), tuple(rows))


def _expired(cases: Sequence[Mapping[str, Any]], views: list[dict[str, Any]], policy: Policy,
             today: date) -> Section:
    """Certificates past their validity that no renewal with a full set replaces."""
    from bot.cases.renewal import rotation_ended, stalled_renewal

    rows = []
    for case, v in zip(cases, views, strict=True):
        if not v["not_after"] or v.get("cancelled"):
            continue
        not_after = date.fromisoformat(v["not_after"])
        if not_after >= today or rotation_ended(case, cases, policy, today):
            continue
        stalled = stalled_renewal(case, cases, policy, today)
        renewal = f"дело {stalled[0]['id']}: {m.STATE_NAMES[stalled[1].state]}" if stalled else "нет"
        rows.append((v["not_after"], Row((v["organisation"], v["owner"] or "—", v["serial"] or "—",
                                          v["not_after_display"], plural_days((today - not_after).days), renewal),
                                         level=OVERDUE)))
    rows.sort(key=lambda item: item[0])
    return Section("expired", "Сертификаты истекли, нового нет",
                   ("Организация", "Владелец сертификата", "Серийный номер", "Действовал до", "Истёк",
                    "Продление"), tuple(r for _, r in rows),
                   note="Если сертификат больше не нужен: vipnet-cert-bot case cancel ДЕЛО --reason «…».")


def _review(state: State, since: datetime, now: datetime,
            decision_texts: Callable[[Iterable[Mapping[str, Any]]], list[str]]) -> Section:
    rows = []
    for r in _letters_since(state, since, now):
        if r.get("action") != "review":
            continue
        code = review_reason(r.get("hits") or [], r.get("case"), r.get("scan"))
        reason = REVIEW_REASON_NAMES[code]
        notes = [str(n) for n in r.get("notes") or []]
        detail = "; ".join(x for x in [*decision_texts(r.get("hits") or []), *notes] if x)
        rows.append(Row((ru_dt(r.get("handled_at")), _sender(r), str(r.get("subject") or ""), reason,
                         detail or "—"), level=TODAY if code == "processing_failed" else ""))
    for r in state.messages:  # letters that fail and are being retried
        if r.get("state") == "claimed" and r.get("last_error"):
            rows.append(Row((ru_dt(r.get("claimed_at")), _sender(r), str(r.get("subject") or ""),
                             "ошибка обработки, повторяется", f"попыток: {r.get('attempts', 0)}"), level=TODAY))
    return Section("review", "Требуют проверки (папка «На проверку»)",
                   ("Получено", "Отправитель", "Тема", "Причина", "Подробности"), tuple(rows))


def _outbox_attention(state: State) -> Section:
    """Letters the bot is unsure it sent (interrupted mid-send) or gave up on: a person decides."""
    rows = []
    for o in sorted(state.outbox, key=lambda o: str(o.get("created_at"))):
        if o.get("state") == "sending":
            what = "отправка прервана: ушло ли — неизвестно"
        elif o.get("state") == "failed":
            what = "не отправлено, бот больше не пытается"
        else:
            continue
        kind = str(o.get("kind") or "")
        rows.append(Row((str(o.get("id", "—")), OUTBOX_KIND_NAMES.get(kind, kind), ", ".join(o.get("to") or []),
                         ru_dt(o.get("created_at")), what, str(o.get("last_error") or "—")[:200]), level=OVERDUE))
    return Section("outbox", "Письма бота: отправка не подтверждена",
                   ("№", "Письмо", "Кому", "Создано", "Состояние", "Ошибка"), tuple(rows),
                   note="Отправить снова: vipnet-cert-bot letter resend № [--to АДРЕС]; "
                        "список: vipnet-cert-bot outbox.")


def _health_extra(state: State, since: datetime) -> list[Row]:
    """Failing duties, and letters left flagged \\Deleted in the inbox (a server without MOVE and UIDPLUS)."""
    rows = [Row((f"Задача «{d.get('title') or d.get('name')}»", ru_dt(d.get("last_ok")), f"ошибка с {ru_dt(d.get('failing_since'))}",
                 str(d.get("errors", 0)), str(d.get("last_error") or "—")[:200]), level=OVERDUE)
            for d in state.duties]
    flagged = [r for r in state.messages if r.get("filed_how") == "copied_flagged"
               and (f := _dt(r.get("filed_at"))) and f > since]
    if flagged:
        rows.append(Row(("Перенос писем", "—", f"скопировано без удаления: {len(flagged)}", "0",
                         "сервер не умеет MOVE/UIDPLUS: оригиналы помечены удалёнными во «Входящих»; "
                         "удалите их в почтовой программе (очистка папки)"), level=SOON))
    return rows


def _health(state: State, now: datetime, since: datetime) -> Section:
    rows = []
    for service in ("imap", "smtp"):
        h = state.health.get(service) or {}
        failing = _dt(h.get("failing_since"))
        if failing:
            status = f"нет связи с {ru_dt(failing)}"
            level = OVERDUE
        elif h.get("last_ok"):
            status, level = "в порядке", ""
        else:
            status, level = "связи ещё не было", SOON
        errors = int(h.get("errors", 0)) - int(state.errors_at_last.get(service, 0))
        last_error = str(h.get("last_error") or "") if errors > 0 else ""
        rows.append(Row((SERVICE_NAMES[service], ru_dt(h.get("last_ok")), status, str(max(errors, 0)),
                         last_error[:200] or "—"), level=level))
    pending = [o for o in state.outbox if o.get("state") == "pending"]
    oldest = min((str(o.get("created_at")) for o in pending), default=None)
    failing_letters = [o for o in pending if int(o.get("attempts", 0)) > 0]
    status = "пусто" if not pending else f"ожидают отправки: {len(pending)}, старейшее с {ru_dt(oldest)}"
    level = "" if not failing_letters else (OVERDUE if len(failing_letters) > 3 else SOON)
    last_error = str(failing_letters[0].get("last_error") or "")[:200] if failing_letters else ""
    rows.append(Row(("Очередь писем", "—", status, str(len(failing_letters)), last_error or "—"), level=level))
    failed = [r for r in state.messages if r.get("last_error") and (c := _dt(r.get("claimed_at"))) and c > since]
    if failed:
        rows.append(Row(("Обработка писем", "—", f"ошибок при обработке: {len(failed)}", str(len(failed)),
                         "письма повторяются, затем уходят на проверку"), level=SOON))
    rows.extend(_health_extra(state, since))
    return Section("health", "Состояние бота",
                   ("Служба", "Последняя связь", "Состояние", "Ошибок с прошлой сводки", "Последняя ошибка"),
                   tuple(rows))


def compose(state: State, *, now: datetime, since: datetime, policy: Policy, settings: DigestSettings,
            defect_text: Mapping[str, str] | None = None) -> Digest:
    """The digest at `now` covering what happened after `since`."""
    today = now.astimezone(MOSCOW).date()
    cases = sorted(state.cases, key=lambda c: str(c.get("id")))
    views = [case_view(dict(c), policy, today) for c in cases]
    candidates = [
        _outbox_attention(state),
        _overdue(views, today),
        _suspended(views),
        _expired(cases, views, policy, today),
        _full_set(views, today, policy),
        _rejected(state, since, now, defect_text or {}),
        _review(state, since, now, settings.decision_texts),
        _stalled(cases, views, policy, today, settings.expiring_days),
        _waiting_request(cases, views, policy, today),
        _paper(views, today, settings.paper_soon_days),
        _expiring(cases, views, today, settings.expiring_days, policy),
        _new_cases(state, views, since, now),
        _new_letters(state, since, now, settings.decision_texts),
    ]
    sections = tuple(s for s in candidates if s.rows)
    empty_line = "" if sections else "Новых писем и дел нет, сроков и вопросов на сегодня нет."
    return Digest(day=today, now=now, since=since, sections=sections, health=_health(state, now, since),
                  title=f"Сводка на {m.ru_date(today)}", since_display=ru_dt(since), empty_line=empty_line)
