"""WhatsApp/SMS through a configurable HTTP gateway, delivered by the background worker.

Configuration (environment), so that the WhatsApp Cloud API and the gateways Indonesian governments use can both
be set up without code:

- ``WA_GATEWAY_URL``: where to POST (unset: no WhatsApp/SMS at all).
- ``WA_GATEWAY_TOKEN``: sent as ``Authorization: Bearer <token>``.
- ``WA_GATEWAY_BODY``: a JSON body template. In every string of it, ``{to}`` becomes the number in E.164
  (``+6281234567890``), ``{msisdn}`` the same digits without ``+`` (``6281234567890``) and ``{text}`` the message;
  the values are put into the parsed JSON, so quotes or new lines in a message never break the body. Default:
  ``{"to": "{to}", "text": "{text}"}``.
- ``QUIET_HOURS``: ``21-6`` (default): from 21.00 to 06.00 WITA nothing is sent; messages wait until 06.00. A test
  message the committee asks for goes at once.

The rules of one message, written once:

- **Who.** A notification goes to WhatsApp only for a person who opted in and has a checked mobile number
  (:mod:`assessment.platform.phone`); the number is taken when the notification is made.
- **What.** A short Indonesian text: "Lomba Desa Digital: " and the inbox message (cut at 300 characters), then
  the page that needs action as a full address when ``PUBLIC_BASE_URL`` is set. The inbox messages never carry
  scores before publication, nor anyone's personal data beyond the recipient's own, so neither does this.
- **Delivery.** One ``whatsapp`` job per message (key ``whatsapp:<notification id>``), sent with that key as the
  ``Idempotency-Key`` header, so a gateway that honours it never delivers a repeat. A 2xx answer is success; a
  timeout, a refused connection, 408, 429 or a 5xx is retried with the queue's backoff and parked after 5
  attempts; any other 4xx (a wrong number, a wrong token) is parked at once with the gateway's answer.
- **Quiet hours** hold a message until the morning without counting an attempt.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app

from assessment.jobs import queue
from assessment.models import Notification
from assessment.platform.wita import WITA

WHATSAPP_JOB = "whatsapp"
DEFAULT_BODY = '{"to": "{to}", "text": "{text}"}'
DEFAULT_QUIET = (21, 6)
TEXT_LIMIT = 300
RETRIED_STATUSES = frozenset({408, 425, 429})
TIMEOUT_SECONDS = 15


def quiet_hours(text: str) -> tuple[int, int]:
    """``21-6`` -> (21, 6): the WITA hours at which quiet begins and ends; the default for anything else.
    ``0-0`` turns quiet hours off."""
    start, _, end = text.replace(" ", "").partition("-")
    if start.isdigit() and end.isdigit() and int(start) < 24 and int(end) < 24:
        return int(start), int(end)
    return DEFAULT_QUIET


def gateway_settings() -> dict[str, Any]:
    """The gateway's settings from the environment (read by ``create_app``)."""
    return {
        "WA_GATEWAY_URL": os.environ.get("WA_GATEWAY_URL", "").strip() or None,
        "WA_GATEWAY_TOKEN": os.environ.get("WA_GATEWAY_TOKEN", ""),
        "WA_GATEWAY_BODY": os.environ.get("WA_GATEWAY_BODY", "").strip() or DEFAULT_BODY,
        "QUIET_HOURS": quiet_hours(os.environ.get("QUIET_HOURS", "")),
    }


def gateway_configured() -> bool:
    return bool(current_app.config.get("WA_GATEWAY_URL"))


def quiet_until(now: datetime, hours: tuple[int, int]) -> datetime | None:
    """When quiet hours ``hours`` (start, end; WITA) end, if ``now`` is inside them; None outside them."""
    start, end = hours
    if start == end:
        return None
    local = now.astimezone(WITA)
    inside = (start <= local.hour or local.hour < end) if start > end else (start <= local.hour < end)
    if not inside:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=WITA)


def message_text(message: str, link: str | None) -> str:
    """The short text of one notification (see the module docstring)."""
    body = message if len(message) <= TEXT_LIMIT else message[: TEXT_LIMIT - 1].rstrip() + "…"
    text = f"Lomba Desa Digital: {body}"
    base = current_app.config.get("PUBLIC_BASE_URL")
    if link and base:
        text += f"\n{str(base).rstrip('/')}{link}"
    return text


def fill(template: Any, values: dict[str, str]) -> Any:
    """``template`` (parsed JSON) with every ``{name}`` in its strings replaced by ``values[name]``."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    return template


def enqueue_whatsapp(key: str, to: str, text: str, *, urgent: bool = False, now: datetime) -> bool:
    """Queue one message to ``to`` (E.164); outside ``urgent`` (a committee's test), due after quiet hours."""
    held = None if urgent else quiet_until(now, current_app.config.get("QUIET_HOURS") or DEFAULT_QUIET)
    return queue.enqueue(WHATSAPP_JOB, key, {"to": to, "text": text, "urgent": urgent}, run_at=held or now)


def enqueue_for(row: Notification, to: str, now: datetime) -> bool:
    """Queue the WhatsApp copy of an inbox notification."""
    return enqueue_whatsapp(f"{WHATSAPP_JOB}:{row.id}", to, message_text(row.message, row.link), now=now)


def send(to: str, text: str, key: str) -> str:
    """POST one message to the gateway; the gateway's answer on success, an exception otherwise."""
    config = current_app.config
    url = config.get("WA_GATEWAY_URL")
    if not url:
        raise queue.Permanent("WA_GATEWAY_URL tidak diatur")
    try:
        template = json.loads(config.get("WA_GATEWAY_BODY") or DEFAULT_BODY)
    except json.JSONDecodeError as error:
        raise queue.Permanent(f"WA_GATEWAY_BODY bukan JSON: {error}") from error
    body = json.dumps(fill(template, {"to": to, "msisdn": to.lstrip("+"), "text": text})).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    if config.get("WA_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {config['WA_GATEWAY_TOKEN']}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        answer = error.read(500).decode("utf-8", "replace").strip()
        reason = f"gateway menjawab HTTP {error.code}" + (f": {answer}" if answer else "")
        if error.code >= 500 or error.code in RETRIED_STATUSES:
            raise RuntimeError(reason) from None
        raise queue.Permanent(reason) from None


@queue.handler(WHATSAPP_JOB)
def deliver_whatsapp(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Send one queued WhatsApp/SMS message, unless quiet hours hold it (see the module docstring)."""
    if not payload.get("urgent"):
        held = quiet_until(context.now, current_app.config.get("QUIET_HOURS") or DEFAULT_QUIET)
        if held is not None:
            raise queue.Deferred(held)
    return send(str(payload["to"]), str(payload["text"]), context.key)
