"""The digest as text, HTML and a mail message.

HTML and text come from rules/templates/digest.html.j2 and digest.txt.j2. In the
letter, pictures travel inline: multipart/alternative(text, multipart/related(html,
image/png...)), referenced as cid:; in a file (`digest --html`) they are data: URIs.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage

from bot import outbox
from bot.digest.compose import LEVEL_MARKS, Digest
from bot.rules import Rules

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
LEVEL_NAMES = {"overdue": "просрочено", "today": "сегодня", "soon": "скоро"}


def _context(digest: Digest, images: Mapping[str, str]) -> dict[str, object]:
    return {"digest": digest, "images": images, "marks": LEVEL_MARKS, "level_names": LEVEL_NAMES}


def render_text(digest: Digest, rules: Rules) -> str:
    return rules.render(TEXT_TEMPLATE, **_context(digest, {}))


def render_html(digest: Digest, rules: Rules, images: Mapping[str, str]) -> str:
    """`images`: {picture key: src} (a cid: or data: URI)."""
    return rules.render(HTML_TEMPLATE, **_context(digest, images))


def data_uris(pictures: Mapping[str, bytes]) -> dict[str, str]:
    return {k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in pictures.items()}


def content_ids(pictures: Mapping[str, bytes], digest: Digest) -> dict[str, str]:
    """{picture key: content id without brackets}."""
    stamp = digest.day.strftime("%Y%m%d")
    return {k: f"scan{i}.{stamp}@vipnet-cert-bot" for i, k in enumerate(pictures, 1)}


def html_file(digest: Digest, rules: Rules, pictures: Mapping[str, bytes]) -> str:
    """A page that opens on its own in a browser (pictures embedded)."""
    return render_html(digest, rules, data_uris(pictures))


def build_message(digest: Digest, rules: Rules, pictures: Mapping[str, bytes], *, sender: str, to: str,
                  subject: str, now: datetime) -> EmailMessage:
    cids = content_ids(pictures, digest)
    html = render_html(digest, rules, {k: f"cid:{cid}" for k, cid in cids.items()})
    msg = outbox.make_message(sender=sender, to=to, subject=f"{subject} на {digest.day:%d.%m.%Y}",
                              body=render_text(digest, rules), kind="digest", now=now, html=html)
    if pictures:
        html_part = msg.get_body(("html",))
        assert html_part is not None
        for key, png in pictures.items():
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cids[key]}>",
                                  disposition="inline", filename=f"{cids[key].split('@')[0]}.png")
    return msg
