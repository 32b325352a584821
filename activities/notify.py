"""The partner channel's activities: send_notice and send_area_picture.

First the screen (partners/screen.py): every string of the facts is checked against
every complainant of the case, read from the register now, and an identity typed into
free text is cut out (the outcome says so, never what). Then, for each partner that takes
the notice: cut the facts to its allow-list, render the Swedish document from that cut, store both in the outbox, deliver (signed webhook or
e-mail), then mark the row sent and write the disclosure in one transaction. A partner
already sent to is skipped, so retries never send twice; a partner whose delivery
failed transiently is retried by Temporal (ApplicationError type TransientDeliveryError),
one refused permanently is recorded and reported as PermanentDeliveryError
(non-retryable) once every other partner had its turn. The case workflow turns either
final failure into a "deliver_by_hand" staff task and goes on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import re

import asyncpg
import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.records import ActivityName, NoticeKind, NoticeOutcome, NoticeRequest
from partners import outbox
from partners.area import AreaPictureRequest, area_summaries, picture_facts
from partners.channels import (
    DeliveryFailed,
    PermanentDeliveryFailed,
    SmtpSettings,
    build_email,
    idempotency_key,
    post_webhook,
    send_email,
)
from partners.directory import (
    EMAIL_PATTERN,
    EmailChannel,
    Partner,
    PartnerDirectory,
    complainant_recipient,
    empty_directory,
    load_directory,
)
from partners.documents import (
    TITLES,
    Document,
    DocumentError,
    render_complainant_reply,
    render_document,
    render_email_body,
)
from partners.payload import Payload, build_payload, canonical_json
from partners.screen import Screen
from register.queries import case_complainants, complainant_contact
from runtime.settings import Settings

TRANSIENT_ERROR = "TransientDeliveryError"
PERMANENT_ERROR = "PermanentDeliveryError"

AfterSendHook = Callable[[str, str], Awaitable[None] | None]


class NotificationActivities:
    """Delivers notices to partners. Construct once per worker (`from_settings`)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        directory: PartnerDirectory,
        http: httpx.AsyncClient,
        smtp: SmtpSettings,
        *,
        after_send: AfterSendHook | None = None,
    ) -> None:
        self._pool = pool
        self.directory = directory
        self._http = http
        self._smtp = smtp
        self._after_send = after_send
        """Test seam only: called after a successful send and before the outbox row is
        marked sent, so a test can crash the activity exactly there."""

    @classmethod
    def from_settings(cls, settings: Settings, pool: asyncpg.Pool) -> "NotificationActivities":
        directory = load_directory(settings.partners_file) if settings.partners_file else empty_directory()
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            mail_from=settings.mail_from,
        )
        return cls(pool, directory, httpx.AsyncClient(follow_redirects=False), smtp)

    def activities(self) -> list[Callable[..., Any]]:
        return [self.send_notice, self.send_area_picture]

    async def close(self) -> None:
        await self._http.aclose()

    @activity.defn(name=ActivityName.SEND_NOTICE)
    async def send_notice(self, request: NoticeRequest) -> NoticeOutcome:
        if request.kind is NoticeKind.COMPLAINANT_REPLY:
            return await self._reply_to_complainant(request)
        area = request.facts.get("area")
        partners = self.directory.recipients(request.kind, area if isinstance(area, str) else None)
        if not partners:
            activity.logger.info("no partner takes this notice", extra={"notice_id": request.notice_id, "kind": request.kind.value})
            return NoticeOutcome(notice_id=request.notice_id, skipped=True)
        return await self._deliver_to(partners, request)

    async def _screen(self, request: NoticeRequest) -> tuple[dict[str, Any], frozenset[str]]:
        """The request's facts with every complainant of the case cut out of every string
        (partners/screen.py), read from the register now: a report filed a moment ago
        counts, an identity erased by retention no longer does. The tenants' own name
        parts are kept (see the screen's rule)."""
        identities = await case_complainants(self._pool, request.case_id)
        tenants = request.facts.get("tenant_names")
        keep = tenants if isinstance(tenants, (list, tuple)) else ()
        return Screen.of(identities, keep=keep).facts(request.facts)

    async def _deliver_to(self, partners: list[Partner], request: NoticeRequest) -> NoticeOutcome:
        """Each partner gets the request's screened facts cut to its allow-list; each
        delivery is disclosed, with whether the screen cut anything it received."""
        facts, redacted = await self._screen(request)
        if redacted:
            activity.logger.warning(
                "screen cut a complainant identity from a notice",
                extra={"notice_id": request.notice_id, "kind": request.kind.value, "facts": sorted(redacted)},
            )
        deliveries = []
        for partner in partners:
            payload = build_payload(
                partner_id=partner.id,
                allowed=partner.fields,
                notice_id=request.notice_id,
                kind=request.kind,
                case_id=request.case_id,
                legal_basis=request.legal_basis,
                facts=facts,
                redacted_facts=redacted,
            )
            deliveries.append((partner, payload, request.workflow_id, request.requested_at))
        return await self._deliver_all(request.notice_id, deliveries, disclose=True)

    async def _reply_to_complainant(self, request: NoticeRequest) -> NoticeOutcome:
        """Tell the complainant of one report that it is handled, by e-mail to the contact
        they left (read from the register here, so it never passes through Temporal). A
        contact that is no e-mail address (a phone number) is refused permanently, which
        gives the case a "deliver by hand" task: somebody calls back. The contact never
        reaches a log line."""
        if not self.directory.partners:
            # No directory, no notice leaves (README): the reply neither, so a dev stack
            # without mail does not try a server that is not there.
            activity.logger.info("no partner directory: the reply is not sent", extra={"notice_id": request.notice_id})
            return NoticeOutcome(notice_id=request.notice_id, skipped=True)
        report_id = request.facts.get("report_id")
        contact = await complainant_contact(self._pool, request.case_id, str(report_id)) if report_id else None
        if not contact:  # anonymous, or already erased by retention
            activity.logger.info("no complainant contact held", extra={"notice_id": request.notice_id})
            return NoticeOutcome(notice_id=request.notice_id, skipped=True)
        if not re.fullmatch(EMAIL_PATTERN, contact.strip()):
            outcome = NoticeOutcome(notice_id=request.notice_id, failed_permanently=("complainant",))
            raise ApplicationError(
                f"notice {request.notice_id}: the complainant left no e-mail address; reply by hand",
                outcome.model_dump(mode="json"),
                type=PERMANENT_ERROR,
                non_retryable=True,
            )
        return await self._deliver_to([complainant_recipient(contact.strip())], request)

    @activity.defn(name=ActivityName.SEND_AREA_PICTURE)
    async def send_area_picture(self, request: AreaPictureRequest) -> NoticeOutcome:
        """Aggregates only, so no disclosure row: nothing personal leaves."""
        partners = [p for p in self.directory.partners if NoticeKind.AREA_PICTURE in p.notices]
        if not partners:
            return NoticeOutcome(notice_id=request.picture_id, skipped=True)
        summaries, redacted_cases = await area_summaries(self._pool, request.period_start, request.period_end)
        deliveries = []
        for partner in partners:
            facts = picture_facts(partner.fields, partner.areas, summaries, request.period_start, request.period_end)
            payload = Payload(
                notice_id=request.picture_id,
                partner_id=partner.id,
                kind=NoticeKind.AREA_PICTURE,
                case_id=None,
                legal_basis="områdessamverkan: aggregerad veckobild utan personuppgifter",
                facts=facts,
                redacted=bool(redacted_cases),
            )
            deliveries.append((partner, payload, None, request.period_end))
        return await self._deliver_all(request.picture_id, deliveries, disclose=False, redacted_cases=redacted_cases)

    async def _deliver_all(
        self,
        notice_id: str,
        deliveries: list[tuple[Partner, Payload, str | None, datetime]],
        *,
        disclose: bool,
        redacted_cases: tuple[str, ...] = (),
    ) -> NoticeOutcome:
        delivered: list[str] = []
        permanent: list[str] = []
        transient: list[DeliveryFailed] = []
        transient_ids: list[str] = []
        for partner, payload, workflow_id, requested_at in deliveries:
            try:
                status = await self._deliver(partner, payload, workflow_id, requested_at, disclose=disclose)
            except DeliveryFailed as failure:
                transient.append(failure)
                transient_ids.append(partner.id)
                continue
            (delivered if status == "sent" else permanent).append(partner.id)
        outcome = NoticeOutcome(
            notice_id=notice_id,
            delivered_to=tuple(delivered),
            failed_permanently=tuple(permanent),
            redacted=any(payload.redacted for _, payload, _, _ in deliveries),
            redacted_cases=redacted_cases,
        )
        if transient:
            delays = [f.retry_after for f in transient if f.retry_after is not None]
            raise ApplicationError(
                f"notice {notice_id}: transient delivery failure to {', '.join(transient_ids)} "
                f"({'; '.join(f.reason for f in transient)})",
                outcome.model_dump(mode="json"),
                type=TRANSIENT_ERROR,
                next_retry_delay=max(delays) if delays else None,
            )
        if permanent:
            raise ApplicationError(
                f"notice {notice_id}: refused permanently by {', '.join(permanent)}; deliver by hand",
                outcome.model_dump(mode="json"),
                type=PERMANENT_ERROR,
                non_retryable=True,
            )
        return outcome

    async def _deliver(
        self, partner: Partner, payload: Payload, workflow_id: str | None, requested_at: datetime, *, disclose: bool
    ) -> str:
        """Deliver to one partner; returns 'sent' or 'failed' (permanent), raises on transient."""
        key = idempotency_key(payload.notice_id, partner.id)
        document: Document | None = None
        document_problem: str | None = None
        try:
            document = render_document(
                payload.kind, payload.facts, sender=self.directory.sender, notice_id=payload.notice_id, requested_at=requested_at
            )
        except DocumentError as problem:
            document_problem = str(problem)
        channel = "email" if isinstance(partner.channel, EmailChannel) else "webhook"
        entry = await outbox.claim(
            self._pool,
            key=key,
            payload=payload,
            partner_kind=partner.kind.value,
            channel=channel,
            workflow_id=workflow_id,
            document=document,
        )
        log_extra = {"notice_id": payload.notice_id, "partner_id": partner.id, "kind": payload.kind.value}
        if entry.status != "pending":
            activity.logger.info("notice already settled", extra={**log_extra, "status": entry.status})
            return entry.status
        now = datetime.now(UTC)
        if document_problem is not None and entry.document is None:
            await outbox.mark_failed(self._pool, entry, reason=document_problem, at=now)
            activity.logger.warning("document cannot be rendered", extra=log_extra)
            return "failed"
        try:
            await self._send(partner, entry, key)
        except PermanentDeliveryFailed as failure:
            await outbox.mark_failed(self._pool, entry, reason=failure.reason, at=datetime.now(UTC))
            activity.logger.warning("delivery refused", extra={**log_extra, "reason": failure.reason})
            return "failed"
        except DeliveryFailed as failure:
            await outbox.note_error(self._pool, entry, reason=failure.reason)
            activity.logger.warning("delivery failed, will retry", extra={**log_extra, "reason": failure.reason})
            raise
        if self._after_send is not None:
            maybe = self._after_send(payload.notice_id, partner.id)
            if maybe is not None:
                await maybe
        await outbox.mark_sent(self._pool, entry, partner_kind=partner.kind.value, at=datetime.now(UTC), record_disclosure=disclose)
        activity.logger.info("notice delivered", extra={**log_extra, "attempt": entry.attempts})
        return "sent"

    async def _send(self, partner: Partner, entry: outbox.OutboxEntry, key: str) -> None:
        body_object = dict(entry.envelope)
        if entry.document is not None:
            body_object["document"] = {
                "filename": entry.document.filename,
                "media_type": entry.document.media_type,
                "text": entry.document.text,
            }
        body = canonical_json(body_object)
        kind = NoticeKind(entry.envelope["kind"])
        channel = partner.channel
        if isinstance(channel, EmailChannel) and kind is NoticeKind.COMPLAINANT_REPLY:
            message = build_email(
                smtp=self._smtp,
                to=channel.address,
                subject=TITLES[kind],
                body=render_complainant_reply(entry.envelope["facts"], sender=self.directory.sender, notice_id=entry.notice_id),
                key=key,
                document=None,
                notice_json=None,  # a private person gets a letter, not a machine envelope
            )
            await send_email(self._smtp, message)
            return
        if isinstance(channel, EmailChannel):
            text = render_email_body(
                kind,
                entry.envelope["facts"],
                sender=self.directory.sender,
                notice_id=entry.notice_id,
                has_document=entry.document is not None,
            )
            message = build_email(
                smtp=self._smtp,
                to=channel.address,
                subject=f"{TITLES.get(kind, kind.value)} [{entry.notice_id}]",
                body=text,
                key=key,
                document=entry.document,
                notice_json=body,
            )
            await send_email(self._smtp, message)
            return
        secret = partner.signing_secret()
        assert secret is not None  # the directory refuses a webhook without one
        await post_webhook(
            self._http,
            url=str(channel.url),
            secret=secret,
            body=body,
            key=key,
            kind=kind.value,
            timeout=channel.timeout_seconds,
        )

