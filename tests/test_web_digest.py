"""The daily digest on real servers: the workflow with its real activity on the dev
server, embedded PostgreSQL, and an SMTP server (aiosmtpd). Once per person per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.models import Role
from partners.channels import SmtpSettings
from register.rows import model_row  # noqa: F401 - the register's rows module loads its types
from tests.helpers import running_worker, unique
from tests.partner_servers import MailPartner
from web import store
from web.digest import DigestActivities
from workflows.digest import DailyDigestWorkflow, DigestInput, ensure_digest_schedule


async def _open_task(pool, *, kind: str, role: str, due_at: datetime, opened_at: datetime) -> str:
    case_id = unique("c")
    await pool.execute(
        """INSERT INTO cases (case_id, workflow_id, tenancy_id, property_id, area, housing_form, category, stage,
                              opened_at, policy_version, version)
           VALUES ($1, $2, $3, 'P-1', 'Skäggetorp', 'ordinary', 'noise', 'contact', $4, '2026.1', 1)""",
        case_id, f"case-{case_id}", unique("T"), opened_at,
    )  # fmt: skip
    task_id = unique("t")
    await pool.execute(
        """INSERT INTO staff_tasks (task_id, case_id, kind, role, area, due_at, opened_at)
           VALUES ($1, $2, $3, $4, 'Skäggetorp', $5, $6)""",
        task_id, case_id, kind, role, due_at, opened_at,
    )  # fmt: skip
    return task_id


async def test_daily_digest_mails_new_and_overdue_tasks_once_per_person_and_day(local_env, pg_pool):
    now = datetime.now(UTC)
    person = unique("kim")
    await store.seen(pg_pool, person, "Kim Test", (Role.TENANCY_LAWYER,))
    await store.set_digest(pg_pool, person, True, "kim@example.se")
    quiet = unique("quiet")
    await store.seen(pg_pool, quiet, "Quiet Test", (Role.FIRE_SAFETY_OFFICER,))
    await store.set_digest(pg_pool, quiet, False, None)
    await _open_task(pg_pool, kind="approve_termination", role="tenancy_lawyer", due_at=now - timedelta(days=1), opened_at=now - timedelta(days=5))
    await _open_task(pg_pool, kind="legal_process", role="tenancy_lawyer", due_at=now + timedelta(days=9), opened_at=now - timedelta(hours=2))
    mail = MailPartner()
    try:
        digests = DigestActivities(pg_pool, SmtpSettings(host="127.0.0.1", port=mail.port, mail_from="trygg@bb.example"))
        async with running_worker(local_env.client, workflows=[DailyDigestWorkflow], activities=digests.activities()) as worker:
            first = await local_env.client.execute_workflow(
                DailyDigestWorkflow.run, DigestInput(app_url="http://localhost:8090/staff"), id=unique("digest"),
                task_queue=worker.task_queue,
            )  # fmt: skip
            again = await local_env.client.execute_workflow(
                DailyDigestWorkflow.run, DigestInput(), id=unique("digest"), task_queue=worker.task_queue
            )
            assert await ensure_digest_schedule(local_env.client, worker.task_queue, schedule_id=unique("sched")) == "created"
    finally:
        mail.stop()
    mine = [m for m in mail.received if m["To"] == "kim@example.se"]
    assert len(mine) == 1 and first.sent >= 1 and again.skipped_already_sent >= 1
    body = mine[0].get_content()
    assert "1 nya och 1 försenade" in mine[0]["Subject"]
    assert "Pröva uppsägning, Skäggetorp" in body and "(lagkrav)" in body and "http://localhost:8090/staff/" in body
    assert "CET" in body or "CEST" in body
    assert not [m for m in mail.received if m["To"] is None or "quiet" in str(m["To"])]
