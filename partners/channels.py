"""The two delivery channels and how their failures are classified.

Transient (worth retrying with backoff): timeouts, refused or dropped connections,
HTTP 408, 429 and 5xx, SMTP 4xx. Permanent (retrying cannot help; a person must deliver
by hand): any other HTTP status outside 2xx, SMTP 5xx, an address the server refuses.
Delivery is at-least-once: a send whose answer was lost is sent again with the same
Idempotency-Key / Message-ID, and partners deduplicate on it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
import httpx

from partners.documents import Document
from partners.signing import IDEMPOTENCY_HEADER, KIND_HEADER, signed_headers

RETRY_AFTER_CAP = timedelta(hours=1)


class DeliveryFailed(Exception):
    """A delivery did not go through. `reason` is safe to log and store: it names a
    status or an error class, never content of the notice."""

    transient: bool = True

    def __init__(self, reason: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TransientDeliveryFailed(DeliveryFailed):
    transient = True


class PermanentDeliveryFailed(DeliveryFailed):
    transient = False


def idempotency_key(notice_id: str, partner_id: str) -> str:
    """Stable per (notice, partner): the same on every retry and after a worker restart."""
    return f"{notice_id}.{partner_id}"


_MESSAGE_ID_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


def message_id(key: str, domain: str = "trygg") -> str:
    """The e-mail Message-ID derived from the idempotency key (hashed if it holds characters
    a Message-ID cannot)."""
    local = key if _MESSAGE_ID_SAFE.match(key) else hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{local}@{domain}>"


def _retry_after(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("retry-after", "")
    if value.isdigit():
        return min(timedelta(seconds=int(value)), RETRY_AFTER_CAP)
    return None


async def post_webhook(
    client: httpx.AsyncClient,
    *,
    url: str,
    secret: bytes,
    body: bytes,
    key: str,
    kind: str,
    timeout: float,
) -> int:
    """POST `body` signed; returns the 2xx status or raises DeliveryFailed."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        IDEMPOTENCY_HEADER: key,
        KIND_HEADER: kind,
        **signed_headers(secret, body),
    }
    try:
        response = await client.post(url, content=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException as error:
        raise TransientDeliveryFailed(f"timeout ({type(error).__name__})") from None
    except httpx.TransportError as error:
        raise TransientDeliveryFailed(f"connection failed ({type(error).__name__})") from None
    status = response.status_code
    if 200 <= status < 300:
        return status
    if status in (408, 429) or status >= 500:
        raise TransientDeliveryFailed(f"HTTP {status}", retry_after=_retry_after(response))
    raise PermanentDeliveryFailed(f"HTTP {status}")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    mail_from: str = "trygghetsgruppen@localhost"
    timeout: float = 30.0


def build_email(
    *,
    smtp: SmtpSettings,
    to: str,
    subject: str,
    body: str,
    key: str,
    document: Document | None,
    notice_json: bytes | None,
) -> EmailMessage:
    """A notice as e-mail; `notice_json` (the webhook body, for partners' systems) is
    attached unless None, as for a reply to a private person."""
    message = EmailMessage()
    message["From"] = smtp.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(key)
    message["X-Trygg-Idempotency-Key"] = key
    message.set_content(body)
    if document is not None:
        message.add_attachment(
            document.text.encode(), maintype="text", subtype="plain", filename=document.filename, params={"charset": "utf-8"}
        )
    if notice_json is not None:
        message.add_attachment(notice_json, maintype="application", subtype="json", filename="notice.json")
    return message


async def send_email(smtp: SmtpSettings, message: EmailMessage) -> None:
    """Send through the configured server; raises DeliveryFailed classified by SMTP code."""
    try:
        await aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password,
            start_tls=smtp.starttls,
            timeout=smtp.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [r.code for r in error.recipients]
        reason = "SMTP recipient refused " + ",".join(str(c) for c in codes)
        if codes and all(500 <= c < 600 for c in codes):
            raise PermanentDeliveryFailed(reason) from None
        raise TransientDeliveryFailed(reason) from None
    except aiosmtplib.SMTPResponseException as error:
        if 500 <= error.code < 600:
            raise PermanentDeliveryFailed(f"SMTP {error.code}") from None
        raise TransientDeliveryFailed(f"SMTP {error.code}") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        raise TransientDeliveryFailed(f"SMTP connection failed ({type(error).__name__})") from None
