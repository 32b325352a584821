"""The daily mail digest: each staff member who chose it gets their new and overdue
tasks once a day, even when Trygg is not open in any browser (Camunda Tasklist only
notifies an open tab).

A Temporal Schedule (workflows/digest.py) starts one run a day; its activity here sends
through the SMTP settings with aiosmtplib. One row per person and day in
`web_digests_sent` makes a retried run skip whoever already got theirs, and the
Message-ID is the same for a person and day, so even a crash between sending and
recording gives the mail server and the mail client one message to keep.

The mail names task kinds, areas and due times only: no tenant, no complainant, no
case free text; the link leads to the signed-in app.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
import asyncpg
from pydantic import AwareDatetime, Field
from temporalio import activity

from domain.models import Frozen, Role
from partners.channels import SmtpSettings
from web import labels
from web.store import _scope
from web.timefmt import STOCKHOLM, when

NEW_WITHIN = timedelta(hours=24)


class DigestRequest(Frozen):
    """One day's run, as of `now`; the digest's key is `now`'s Swedish calendar day."""

    now: AwareDatetime
    app_url: str | None = Field(default=None, max_length=500)


class DigestCounts(Frozen):
    sent: int
    skipped_already_sent: int
    skipped_nothing_new: int


def digest_message(*, smtp: SmtpSettings, to: str, subject: str, day: date, new: list, overdue: list, app_url: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.mail_from
    message["To"] = to
    message["Subject"] = f"Trygg {day.isoformat()}: {len(new)} nya och {len(overdue)} försenade uppgifter"
    message["Message-ID"] = f"<digest-{day.isoformat()}-{hashlib.sha256(subject.encode()).hexdigest()[:16]}@trygg>"
    lines = [f"Dina uppgifter i Trygg den {day.isoformat()}.", ""]
    for title, rows in (("Försenade", overdue), ("Nya sedan i går", new)):
        lines.append(f"{title}: {len(rows)}")
        for r in rows:
            lines.append(f"  - {labels.label(labels.TASK_KINDS, r['kind'])}, {r['area']}, senast {when(r['due_at'])}"
                         + (" (lagkrav)" if r["kind"] in labels.LEGAL_TASK_KINDS else ""))  # fmt: skip
        lines.append("")
    if app_url:
        lines.append(f"Öppna inkorgen: {app_url.rstrip('/')}/")
    lines.append("Du får det här mejlet för att du valt ett dagligt mejl under Inställningar i Trygg.")
    message.set_content("\n".join(lines))
    return message


class DigestActivities:
    """Holds the pool and the SMTP settings (registered as bound methods)."""

    def __init__(self, pool: asyncpg.Pool, smtp: SmtpSettings) -> None:
        self.pool = pool
        self.smtp = smtp

    def activities(self) -> list:
        return [self.send_daily_digests]

    @activity.defn(name="send_daily_digests")
    async def send_daily_digests(self, request: DigestRequest) -> DigestCounts:
        day = request.now.astimezone(STOCKHOLM).date()
        people = await self.pool.fetch(
            """SELECT s.subject, s.roles, p.digest_email,
                      EXISTS (SELECT 1 FROM web_digests_sent d WHERE d.subject = s.subject AND d.day = $1) AS sent
                 FROM web_preferences p JOIN web_staff s USING (subject)
                WHERE p.digest AND p.digest_email IS NOT NULL ORDER BY s.subject""",
            day,
        )
        sent = already = nothing = 0
        for person in people:
            if person["sent"]:
                already += 1
                continue
            roles = [Role(r) for r in person["roles"] if r in Role._value2member_map_]
            if not roles:
                continue
            role = Role.TEAM_LEAD if Role.TEAM_LEAD in roles else roles[0]
            scope, args = _scope(role, person["subject"])
            n = len(args)
            rows = await self.pool.fetch(
                f"""SELECT t.kind, t.area, t.due_at, t.opened_at, t.due_at < ${n + 1} AS overdue
                      FROM staff_tasks t WHERE {scope} AND (t.due_at < ${n + 1} OR t.opened_at >= ${n + 2})
                     ORDER BY t.due_at LIMIT 200""",
                *args, request.now, request.now - NEW_WITHIN,
            )  # fmt: skip
            overdue = [r for r in rows if r["overdue"]]
            new = [r for r in rows if not r["overdue"]]
            if not rows:
                nothing += 1
                continue
            message = digest_message(smtp=self.smtp, to=person["digest_email"], subject=person["subject"], day=day,
                                     new=new, overdue=overdue, app_url=request.app_url)  # fmt: skip
            await aiosmtplib.send(message, hostname=self.smtp.host, port=self.smtp.port, username=self.smtp.username,
                                  password=self.smtp.password, start_tls=self.smtp.starttls, timeout=self.smtp.timeout)  # fmt: skip
            await self.pool.execute(
                "INSERT INTO web_digests_sent (subject, day, tasks) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                person["subject"], day, len(rows),
            )  # fmt: skip
            sent += 1
            activity.heartbeat(sent)
        activity.logger.info("daily digests: %d sent, %d already sent, %d with nothing", sent, already, nothing)
        return DigestCounts(sent=sent, skipped_already_sent=already, skipped_nothing_new=nothing)


__all__ = ["DigestActivities", "DigestRequest", "DigestCounts", "datetime"]
