"""The partners of the fault suite, in a process of their own: a webhook receiver and a
mail server (aiosmtpd), each keeping every delivery it received, as a partner's system
would, so the suite can count them against the outbox and the disclosure log.

`python -m faults.partnerproc SECRET` prints one line, `ready {"http": port, "smtp": port}`.
The same HTTP server answers the suite's control requests:
- `POST /control/webhook/<ok|503|hang>`: how the webhook answers from now on; "hang"
  keeps the delivery, then answers only after `HANG_SECONDS` (the sender has given up by
  then, so its answer is lost, as when a connection drops after the partner committed);
- `POST /control/smtp/<up|down>`: the mail server stops listening, or listens again;
- `GET /control/received`: every delivery received so far, as JSON.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from partners.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

HANG_SECONDS = 6.0
"""Longer than the suite's webhook channel timeout (faults.stack.CHANNEL_TIMEOUT)."""


class Deliveries:
    """What the partners received, in order: channel, idempotency key, a digest of the
    content (the body, or the mail's parts without its Date), and the notice kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[dict[str, Any]] = []
        self.bad_signatures = 0

    def add(self, channel: str, key: str | None, content: bytes, kind: str | None) -> None:
        with self._lock:
            self.items.append(
                {"channel": channel, "key": key, "digest": hashlib.sha256(content).hexdigest(), "kind": kind}
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"items": list(self.items), "bad_signatures": self.bad_signatures}


class MailHandler:
    """aiosmtpd handler: every message accepted and kept."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = [str(message["To"]), str(message["Subject"])]
        for part in message.walk():
            if not part.is_multipart():
                parts.append(part.get_content() if part.get_content_maintype() == "text" else part.get_payload())
        content = "\x00".join(str(p) for p in parts).encode()
        kind = None
        for part in message.iter_attachments():
            if part.get_filename() == "notice.json":
                kind = json.loads(part.get_content()).get("kind")
        self.deliveries.add("mail", message["X-Trygg-Idempotency-Key"], content, kind or "complainant_reply")
        return "250 Message accepted for delivery"


class Mail:
    """The mail server, stopped and started on the same port."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.handler = MailHandler(deliveries)
        self.port = _free_port()
        self._controller: Controller | None = None
        self.up()

    def up(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def serve(secret: bytes) -> None:
    deliveries = Deliveries()
    mail = Mail(deliveries)
    state = {"webhook": "ok"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/control/received":
                self._answer(200, json.dumps(deliveries.snapshot()).encode())
            else:
                self._answer(404)

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = self.path.strip("/").split("/")
            if parts[:2] == ["control", "webhook"] and parts[2:] and parts[2] in ("ok", "503", "hang"):
                state["webhook"] = parts[2]
                return self._answer(204)
            if parts[:2] == ["control", "smtp"] and parts[2:] in (["up"], ["down"]):
                mail.up() if parts[2] == "up" else mail.down()
                return self._answer(204)
            if self.path != "/notices":
                return self._answer(404)
            headers = self.headers
            if not verify(secret, headers.get(TIMESTAMP_HEADER), body, headers.get(SIGNATURE_HEADER)):
                deliveries.bad_signatures += 1
                return self._answer(401)
            mode = state["webhook"]
            if mode == "503":
                return self._answer(503)
            kind = json.loads(body).get("kind")
            deliveries.add("webhook", headers.get(IDEMPOTENCY_HEADER), body, kind)
            if mode == "hang":
                time.sleep(HANG_SECONDS)
            self._answer(200)

        def _answer(self, status: int, body: bytes = b"") -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the sender gave up (the hang)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("ready " + json.dumps({"http": server.server_address[1], "smtp": mail.port}), flush=True)
    try:
        server.serve_forever()
    finally:
        mail.down()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    serve(sys.argv[1].encode())
