"""Real partner endpoints on loopback for the notification tests: a webhook receiver
(stdlib http.server in a thread) and a mail server (aiosmtpd). Both behave as the README
tells partners to: verify the signature, deduplicate on the idempotency key / Message-ID.
Each can be scripted to fail (500, 400, 429, a hang past the client's timeout)."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
from aiosmtpd.controller import Controller

from partners.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.helpers import unique


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    key: str | None
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class WebhookPartner:
    """A partner's webhook receiver. `script` holds one behaviour per request
    ("ok", "500", "503", "400", "429", "hang"); when it runs out, every request is "ok".
    "hang" stores the notice, then answers only after the client has given up (the answer
    is lost, as when a connection drops after the partner committed)."""

    secret: bytes
    script: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    held: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad_signatures: int = 0

    def __post_init__(self) -> None:
        self._script = deque(self.script)
        self._lock = threading.Lock()
        self._release = threading.Event()
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                partner._handle(self, body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/notices"

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        key = handler.headers.get(IDEMPOTENCY_HEADER)
        with self._lock:
            self.requests.append(Received(key, dict(handler.headers.items()), body))
            ok = verify(self.secret, handler.headers.get(TIMESTAMP_HEADER), body, handler.headers.get(SIGNATURE_HEADER))
            if not ok:
                self.bad_signatures += 1
                behaviour = "401"
            else:
                behaviour = self._script.popleft() if self._script else "ok"
            if behaviour in ("ok", "hang") and key and key not in self.held:
                self.held[key] = json.loads(body)
        if behaviour == "hang":
            self._release.wait(10)
            behaviour = "ok"
        status = 200 if behaviour == "ok" else int(behaviour)
        try:
            handler.send_response(status)
            if status == 429:
                handler.send_header("Retry-After", "1")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:
            pass  # the client gave up (the hang case)

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


class MailPartner:
    """An SMTP server that refuses `refuse` recipients with 550, answers DATA with the
    scripted codes ("ok" or e.g. "451"), and holds each Message-ID once."""

    def __init__(self, *, refuse: tuple[str, ...] = (), script: list[str] | None = None) -> None:
        self.refuse = set(refuse)
        self._script = deque(script or [])
        self.received: list[EmailMessage] = []
        self.held: dict[str, EmailMessage] = {}
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        behaviour = self._script.popleft() if self._script else "ok"
        if behaviour != "ok":
            return f"{behaviour} Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(message)
        self.held.setdefault(message["Message-ID"], message)
        return "250 Message accepted for delivery"

    def stop(self) -> None:
        self._controller.stop()


async def insert_case(pool: asyncpg.Pool, *, area: str = "Skäggetorp", tenancy_id: str | None = None, **extra: Any) -> str:
    """A minimal case row: disclosures and the outbox reference cases(case_id)."""
    case_id = unique("case")
    tenancy = tenancy_id or unique("ten")
    await pool.execute(
        """INSERT INTO cases (case_id, workflow_id, tenancy_id, property_id, area, housing_form, category, stage,
               opened_at, policy_version, version, closed_at)
           VALUES ($1, $2, $3, 'prop-1', $4, 'ordinary', $5, 'warning', $6, '2025.1', 1, $7)""",
        case_id,
        f"case-{tenancy}",
        tenancy,
        area,
        extra.get("category", "noise"),
        extra.get("opened_at", datetime(2025, 3, 3, 9, tzinfo=UTC)),
        extra.get("closed_at"),
    )
    return case_id


SECRET = b"test-secret-0123456789abcdef"

SOCIAL_FIELDS = [
    "tenancy_id", "area", "address", "apartment_number", "tenant_names", "category",
    "incidents", "warned_at", "termination_date", "termination_ground", "meeting_at", "meeting_place",
]  # fmt: skip


def webhook_partner(partner_id: str, url: str, *, kind: str = "social_services", notices: tuple[str, ...] = (
    "disturbance_notice", "warning_copy", "termination_notice", "action_plan_meeting"), fields: list[str] | None = None,
    timeout: float = 2.0, **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "id": partner_id, "kind": kind, "name": f"Partner {partner_id}", "notices": list(notices),
        "fields": SOCIAL_FIELDS if fields is None else fields,
        "channel": {"type": "webhook", "url": url, "secret": SECRET.decode(), "timeout_seconds": timeout}, **extra,
    }  # fmt: skip


def mail_partner(partner_id: str, address: str, *, kind: str = "letter_dispatch", notices: tuple[str, ...] = (
    "warning_to_tenant",), fields: list[str] | None = None, **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "id": partner_id, "kind": kind, "name": f"Partner {partner_id}", "notices": list(notices),
        "fields": ["tenancy_id", "address", "tenant_names", "incidents", "category"] if fields is None else fields,
        "channel": {"type": "email", "address": address}, **extra,
    }  # fmt: skip


def directory(*partners: dict[str, Any]):
    from partners.directory import parse_directory

    return parse_directory(
        {"sender": {"name": "Bostadsbolaget AB, trygghetsgruppen", "phone": "013-20 00 00", "email": "trygg@bb.example"},
         "partners": list(partners)},
        environ={},
    )  # fmt: skip


def notice_facts(**overrides: Any) -> dict[str, Any]:
    """Everything the ladder knows, complainant included, as it would pass it."""
    facts: dict[str, Any] = {
        "tenancy_id": "ten-1", "property_id": "prop-1", "area": "Skäggetorp", "address": "Storgatan 1 B, 582 22 Linköping",
        "apartment_number": "1102", "tenant_names": ["Bo Bengtsson"], "tenant_ids": ["p-9"], "category": "noise",
        "severity": "normal", "place": "trapphus", "occurred_at": "2025-03-01T23:10:00+01:00",
        "incidents": [{"occurred_at": "2025-03-01T23:10:00+01:00", "category": "noise", "place": "trapphus",
                       "verified": True, "complainant": {"name": "Anna Andersson", "contact": "070-1234567"}}],
        "report_count": 3, "verified_report_count": 1, "warned_at": "2025-03-05",
        "complainant": {"person_id": "neighbour-7", "name": "Anna Andersson", "contact": "070-1234567"},
        "complainant_name": "Anna Andersson",
    }  # fmt: skip
    return facts | overrides


async def outbox_row(pool: asyncpg.Pool, notice_id: str, partner_id: str) -> asyncpg.Record | None:
    return await pool.fetchrow("SELECT * FROM partner_outbox WHERE notice_id = $1 AND partner_id = $2", notice_id, partner_id)


async def disclosures_of(pool: asyncpg.Pool, notice_id: str) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM disclosures WHERE notice_id = $1 ORDER BY partner_id", notice_id)
