"""The weekly area picture: counts by category and place from the register, to each area
partnership and association by its channel, never a tenancy, a case or a person; and the
schedule that starts it, created idempotently on the dev server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio

from activities.notify import NotificationActivities
from domain.records import NoticeOutcome
from partners.channels import SmtpSettings
from tests.helpers import eventually, running_worker, unique
from tests.partner_servers import SECRET, MailPartner, WebhookPartner, directory, insert_case, mail_partner, webhook_partner
from workflows.area_picture import AreaPictureInput, AreaPictureWorkflow, ensure_area_picture_schedule

END = datetime(2025, 3, 10, 6, tzinfo=UTC)
AGGREGATES = ["areas", "area", "period_start", "period_end", "report_count", "reports_by_category",
              "reports_by_place", "new_cases", "open_cases"]  # fmt: skip


@pytest_asyncio.fixture(loop_scope="session")
async def http():
    async with httpx.AsyncClient() as client:
        yield client


async def insert_report(pool, case_id: str, category: str, place: str, received_at: datetime) -> None:
    report_id = unique("rep")
    await pool.execute(
        """INSERT INTO reports (report_id, case_id, external_ref, source_kind, category, severity, occurred_at,
               received_at, place) VALUES ($1, $2, $3, 'neighbour', $4, 'normal', $5, $5, $6)""",
        report_id, case_id, unique("ext"), category, received_at, place,
    )  # fmt: skip
    await pool.execute(
        "INSERT INTO report_complainants (report_id, person_id, name, contact) VALUES ($1, 'nb-1', 'Anna Andersson', '070-1')",
        report_id,
    )


async def seed_area(pool, area: str) -> list[str]:
    """Two cases in `area`: five reports this week (three from the yard), one last month
    (outside the period)."""
    first = await insert_case(pool, area=area, opened_at=END - timedelta(days=3))
    second = await insert_case(pool, area=area, opened_at=END - timedelta(days=40), category="fire_hazard")
    for days in (1, 2, 3):
        await insert_report(pool, first, "noise", "gården", END - timedelta(days=days))
    await insert_report(pool, first, "noise", "trapphus 4B", END - timedelta(days=2))
    await insert_report(pool, first, "noise", "tvättstugan", END - timedelta(days=1))
    await insert_report(pool, second, "fire_hazard", "källare", END - timedelta(days=5))
    await insert_report(pool, second, "fire_hazard", "källare", END - timedelta(days=30))
    return [first, second]


async def test_each_partnership_gets_its_areas_counts_once_and_nothing_personal(local_env, pg_pool, http):
    area, elsewhere = unique("Skäggetorp"), unique("Ryd")
    case_ids = await seed_area(pg_pool, area) + await seed_area(pg_pool, elsewhere)
    receiver, mail = WebhookPartner(SECRET), MailPartner()
    partnership = webhook_partner(
        "samverkan", receiver.url, kind="area_partnership", notices=("area_picture",), fields=AGGREGATES, areas=[area]
    )
    association = mail_partner(
        "forening", "forening@x.example", kind="association", notices=("area_picture",),
        fields=["areas", "area", "reports_by_category"], areas=[area, elsewhere],
    )  # fmt: skip
    acts = NotificationActivities(
        pg_pool, directory(partnership, association), http, SmtpSettings(host="127.0.0.1", port=mail.port)
    )
    try:
        async with running_worker(local_env.client, workflows=[AreaPictureWorkflow], activities=acts.activities()) as worker:
            outcomes = [
                await local_env.client.execute_workflow(
                    AreaPictureWorkflow.run, AreaPictureInput(period_end=END), id=unique("pic"),
                    task_queue=worker.task_queue, result_type=NoticeOutcome,
                )  # fmt: skip
                for _ in range(2)
            ]
    finally:
        receiver.stop()
        mail.stop()

    assert [set(o.delivered_to) for o in outcomes] == [{"samverkan", "forening"}] * 2
    assert len(receiver.requests) == 1 and len(mail.received) == 1
    [picture] = receiver.held.values()
    assert picture["kind"] == "area_picture" and picture["case_id"] is None
    [summary] = picture["facts"]["areas"]
    assert summary["area"] == area and summary["report_count"] == 6
    assert summary["reports_by_category"] == {"noise": 5, "fire_hazard": 1}
    assert summary["reports_by_place"] == [
        {"place": "gården", "category": "noise", "count": 3},
        {"place": "övriga platser", "category": "fire_hazard", "count": 1},
        {"place": "övriga platser", "category": "noise", "count": 2},
    ], "a place with fewer than three reports is not named"
    assert "trapphus 4B" not in json.dumps(picture, ensure_ascii=False)
    assert summary["new_cases"] == 1 and summary["open_cases"] == 2
    wire = json.dumps(picture, ensure_ascii=False) + mail.received[0].as_string()
    assert "Anna Andersson" not in wire and not any(case_id in wire for case_id in case_ids)
    attachment = next(p for p in mail.received[0].iter_attachments() if p.get_filename() == "notice.json")
    mailed = json.loads(attachment.get_content())
    assert [a["area"] for a in mailed["facts"]["areas"]] == sorted([area, elsewhere])
    assert all(set(a) == {"area", "reports_by_category"} for a in mailed["facts"]["areas"])
    assert await pg_pool.fetchval("SELECT count(*) FROM disclosures WHERE notice_id = $1", picture["notice_id"]) == 0


async def test_the_weekly_schedule_is_created_once_and_starts_the_picture(local_env, pg_pool, http):
    receiver = WebhookPartner(SECRET)
    partnership = webhook_partner(
        "samverkan", receiver.url, kind="area_partnership", notices=("area_picture",), fields=AGGREGATES,
        areas=[unique("Berga")],
    )  # fmt: skip
    acts = NotificationActivities(pg_pool, directory(partnership), http, SmtpSettings(host="127.0.0.1", port=1))
    schedule_id = unique("area-picture")
    client = local_env.client
    try:
        async with running_worker(client, workflows=[AreaPictureWorkflow], activities=acts.activities()) as worker:
            first = await ensure_area_picture_schedule(client, worker.task_queue, schedule_id=schedule_id)
            again = await ensure_area_picture_schedule(client, worker.task_queue, schedule_id=schedule_id)
            moved = await ensure_area_picture_schedule(client, worker.task_queue, schedule_id=schedule_id, hour=8)
            handle = client.get_schedule_handle(schedule_id)
            description = await handle.describe()
            [calendar] = description.schedule.spec.calendars
            assert (first, again, moved) == ("created", "unchanged", "updated")
            assert calendar.day_of_week[0].start == 1 and calendar.hour[0].start == 8
            assert description.schedule.spec.time_zone_name == "Europe/Stockholm"

            await handle.trigger()

            async def delivered() -> None:
                assert len(receiver.held) == 1

            await eventually(delivered, timeout=20)
            await handle.delete()
    finally:
        receiver.stop()
    [picture] = receiver.held.values()
    assert picture["facts"]["areas"][0]["report_count"] == 0
