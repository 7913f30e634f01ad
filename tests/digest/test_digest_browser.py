"""The digest from a seeded state: every section, rendered to HTML and checked in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest

from bot.digest import build, render
from bot.digest.duties import queue_digest
from tests.conftest import BOT_ADDRESS, INFOSEC_HEAD
from tests.digest.conftest import ARTIFACTS
from tests.digest.seed import NOW, seed

SECTIONS = ["overdue", "full_set", "rejected", "review", "waiting_request", "paper", "expiring", "new_cases",
            "new_letters", "health"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Reports every picture's natural width into the DOM once the page has loaded.
PROBE = ("<script>window.addEventListener('load', () => { document.body.setAttribute('data-images', "
         "[...document.images].map(i => i.complete ? i.naturalWidth : -1).join(',')); });</script>")


class Tables(HTMLParser):
    """{section id: [[cell, ...], ...]} with the header row first; row classes kept apart."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.classes: dict[str, list[str]] = {}
        self.body_attrs: dict[str, str] = {}
        self.section = ""
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "body":
            self.body_attrs = a
        elif tag == "section":
            self.section = a.get("id", "")
            self.tables[self.section], self.classes[self.section] = [], []
        elif tag == "tr" and "picture" not in a.get("class", ""):
            self.tables[self.section].append([])
            self.classes[self.section].append(a.get("class", ""))
        elif tag in ("td", "th") and "picture" not in a.get("class", ""):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[self.section][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
         "--virtual-time-budget=5000", *args],
        capture_output=True, text=True, timeout=90, check=False)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from bot import DEFAULT_RULES_DIR
    from bot import registry as registry_mod
    from bot import rules as rules_mod
    from bot.store import Store
    from tests.conftest import REGISTRY_CSV

    rules = rules_mod.load(DEFAULT_RULES_DIR)
    root = tmp_path_factory.mktemp("digest")
    (root / "organisations.csv").write_text(REGISTRY_CSV, encoding="utf-8")
    registry = registry_mod.load(root / "organisations.csv")
    store = Store(root / "state")
    ids = seed(store, rules, registry)
    digest, pictures = build(store, rules, registry, now=NOW)  # runs the scan check once for the picture
    return {"store": store, "registry": registry, "ids": ids, "digest": digest, "pictures": pictures,
            "root": root}


def test_every_section_from_the_seeded_state(seeded, rules) -> None:
    digest = seeded["digest"]
    assert [s.key for s in digest.all_sections] == SECTIONS
    assert not digest.empty
    full_set = digest.section("full_set")
    levels = {r.cells[0]: r.level for r in full_set.rows}
    ids = seeded["ids"]
    assert levels[ids["late"]] == "overdue" and levels[ids["due_today"]] == "today" and levels[ids["new"]] == ""
    assert [r.cells[0] for r in full_set.rows][:2] == [ids["late"], ids["due_today"]]  # most urgent first
    assert "нет подписи владельца сертификата" in digest.section("rejected").rows[0].cells[4]
    reasons = [r.cells[3] for r in digest.section("review").rows]
    assert reasons == ["неизвестный отправитель", "неоднозначное сопоставление с делом",
                       "ошибка обработки, повторяется"]
    assert all(r.cells[6] == "рекомендуется приостановить сертификат" for r in digest.section("overdue").rows)
    assert seeded["pictures"] and set(seeded["pictures"]) == {ids["rejected"]}
    text = render.render_text(digest, rules)
    for section in digest.all_sections:
        assert section.title in text


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup.sh installs it)")
def test_digest_renders_in_headless_chromium(seeded, rules, tmp_path: Path) -> None:
    digest, pictures = seeded["digest"], seeded["pictures"]
    page = render.html_file(digest, rules, pictures)
    ARTIFACTS.mkdir(exist_ok=True)
    html_path = ARTIFACTS / "digest.html"
    html_path.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    shot = ARTIFACTS / "digest.png"
    shot.unlink(missing_ok=True)

    dom = chromium("--dump-dom", html_path.as_uri(), profile=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = Tables()
    parsed.feed(dom.stdout)
    # the pictures loaded: every <img> decoded with a real width
    widths = [int(w) for w in parsed.body_attrs.get("data-images", "").split(",") if w]
    assert len(widths) == len(pictures) == 1
    assert all(w > 100 for w in widths), widths
    # the tables read right: headers, one row per item, the cells in their columns
    assert list(parsed.tables) == SECTIONS
    full = parsed.tables["full_set"]
    assert full[0] == ["Дело", "Организация", "Владелец сертификата", "Полный набор", "Изготовить до", "Срок"]
    by_case = {row[0]: (row, cls) for row, cls in zip(full[1:], parsed.classes["full_set"][1:], strict=True)}
    row, cls = by_case[seeded["ids"]["due_today"]]
    assert row[1:] == ["ГБУЗ АО «Архангельская городская клиническая поликлиника № 1»", "Иванов Иван Иванович",
                       "20.11.2026", "24.11.2026", "срок сегодня"] and cls == "today"
    assert by_case[seeded["ids"]["late"]][1] == "overdue"
    assert parsed.tables["health"][2][0] == "Отправка писем (SMTP)"
    assert parsed.tables["health"][2][2].startswith("нет связи с 24.11.2026 08:00")
    for key, rows in parsed.tables.items():
        assert all(len(r) == len(rows[0]) for r in rows), key

    shot_run = chromium(f"--screenshot={shot}", "--window-size=1200,3000", "--hide-scrollbars", html_path.as_uri(),
                        profile=tmp_path / "profile-shot")
    assert shot_run.returncode == 0 and shot.exists(), shot_run.stderr[-2000:]
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (3000, 1200)
    assert float(np.std(img)) > 20  # not a blank page
    # the highlights are there: the overdue rows' pink (BGR ~ 213, 213, 251)
    pink = np.all(np.abs(img.astype(int) - (213, 213, 251)) < 6, axis=2)
    assert pink.sum() > 2000


def test_digest_letter_is_multipart_related_with_cid_pictures(seeded, rules) -> None:
    store = seeded["store"]
    outbox_id = queue_digest(store, rules, seeded["registry"], bot_address=BOT_ADDRESS, infosec_head=INFOSEC_HEAD,
                             now=NOW)
    row = store.outbox.get(doc_id=outbox_id)
    assert row["kind"] == "digest" and row["to"] == [INFOSEC_HEAD]
    msg = message_from_bytes(row["message"].encode(), policy=policy.default)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Subject"] == "Сводка бота заявок ViPNet на 24.11.2026"
    types = [p.get_content_type() for p in msg.walk()]
    assert types == ["multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"]
    html = msg.get_body(("html",)).get_content()
    cids = re.findall(r'src="cid:([^"]+)"', html)
    image = [p for p in msg.walk() if p.get_content_type() == "image/png"][0]
    assert cids == [image["Content-ID"].strip("<>")]
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Сроки пропущены" in msg.get_body(("plain",)).get_content()
    # once a day: the duty does not queue a second one
    assert queue_digest(store, rules, seeded["registry"], bot_address=BOT_ADDRESS, infosec_head=INFOSEC_HEAD,
                        now=NOW) is None
