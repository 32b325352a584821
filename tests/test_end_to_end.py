"""The whole of Trygg on real servers, no stand-ins: the case workflows on the dev server,
the register's and the partner channels' real activities on embedded PostgreSQL, a signed
webhook receiver for social services and for the security company, an SMTP server for the
mailroom that posts the tenant's letters, and the acknowledgement API on uvicorn.

What it proves is the seams: the ladder's facts are enough for the Swedish letters, every
step lands in the register, every notice goes through a real channel exactly once, a
partner outage turns into a task in the inbox, and an acknowledgement finds its case.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
from temporalio.client import Client, WorkflowHandle

from activities.notify import PERMANENT_ERROR, NotificationActivities
from activities.opening import OpeningActivities
from activities.policy import PolicyActivities
from activities.register import RegisterActivities
from api.app import create_app
from api.server import build_server, serve
from domain.models import Complainant, DisturbanceReport, Role, SourceKind, TenancyRef
from domain.policy import TaskKind
from domain.records import NoticeKind
from domain.state import CaseStage, ClockKind
from domain.steps import Assign, IssueWarning, RecordContact, RecordDialogue
from partners.channels import SmtpSettings
from partners.directory import PartnerDirectory
from partners.signing import signed_headers
from register import errors as register_errors
from register.queries import staff_inbox, statistics
from tests.helpers import eventually, running_worker, unique
from tests.partner_servers import (
    SECRET,
    SOCIAL_FIELDS,
    MailPartner,
    WebhookPartner,
    directory,
    mail_partner,
    webhook_partner,
)
from tests.standins import COORDINATOR, CaseDriver, case_policy, file_report
from workflows.registry import WORKFLOWS
from workflows import activities as workflow_activities

ADDRESS = "Storgatan 1 B, 582 22 Linköping"
TENANTS = ("Bo Bengtsson", "Lena Bengtsson")
COMPLAINANT = Complainant(person_id="neighbour-7", name="Agneta Klagande", contact="agneta.klagande@example.se")
COMPLAINANT_DATA = ("neighbour-7", "Agneta Klagande", "agneta.klagande@example.se")
PERSONAL = (ADDRESS, "Storgatan", *TENANTS, *COMPLAINANT_DATA)
"""Nothing of these may reach a log line or a search attribute."""

LETTERS = "utskick@bostadsbolaget.example"
SECURITY_FIELDS = ["tenancy_id", "area", "address", "place", "occurred_at", "category"]


@dataclass
class Trygg:
    client: Client
    queue: str
    directory: PartnerDirectory
    social: WebhookPartner
    security: WebhookPartner
    mail: MailPartner


@asynccontextmanager
async def trygg(local_env, pg_pool, *, social_script: tuple[str, ...] = ()):
    """A worker with every workflow and the real activities, and three real partners:
    social services and the security company by signed webhook, the mailroom by e-mail."""
    social, security, mail = WebhookPartner(SECRET, script=list(social_script)), WebhookPartner(SECRET), MailPartner()
    partners = directory(
        webhook_partner("soc", social.url, fields=[*SOCIAL_FIELDS, "report_count", "verified_report_count"]),
        webhook_partner("vakt", security.url, kind="security_company", notices=("extra_rounds",), fields=SECURITY_FIELDS),
        mail_partner("brev", LETTERS),
    )
    try:
        async with httpx.AsyncClient() as http:
            register = RegisterActivities(pg_pool)
            notify = NotificationActivities(
                pg_pool, partners, http, SmtpSettings(host="127.0.0.1", port=mail.port, mail_from="trygg@bb.example")
            )
            policy = PolicyActivities(case_policy())
            activities = [*register.activities(), *notify.activities(), *policy.activities(),
                          *OpeningActivities(register, policy).activities()]  # fmt: skip
            async with running_worker(local_env.client, workflows=WORKFLOWS, activities=activities) as worker:
                yield Trygg(local_env.client, worker.task_queue, partners, social, security, mail)
    finally:
        social.stop()
        security.stop()
        mail.stop()


def home(area: str) -> TenancyRef:
    return TenancyRef(
        tenancy_id=unique("T"), property_id="P-100", area=area, tenant_ids=("person-1", "person-2"),
        address=ADDRESS, tenant_names=TENANTS,
    )  # fmt: skip


def neighbour_report(tenancy: TenancyRef) -> DisturbanceReport:
    return DisturbanceReport(
        external_ref=unique("ext"), source_kind=SourceKind.NEIGHBOUR, category="noise",
        occurred_at=datetime.now(UTC) - timedelta(hours=3), place="trapphus B", tenancy=tenancy,
        complainant=COMPLAINANT,
    )  # fmt: skip


async def open_case(stack: Trygg, tenancy: TenancyRef) -> CaseDriver:
    handle = await file_report(stack.client, stack.queue, neighbour_report(tenancy), search_attributes=True)
    return CaseDriver(stack.client, handle)


async def warn(case: CaseDriver):
    """verify → contact → dialogue not resolved → formal warning."""
    await case.verify_pending()
    await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="home visit", method="visit"))
    await case.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason="no change agreed", resolved=False))
    return await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="disturbances go on"))


def letters(stack: Trygg) -> list:
    """What went to the mailroom (the complainant's reply goes to the complainant)."""
    return [m for m in stack.mail.received if m["To"] == LETTERS]


def kinds(partner: WebhookPartner) -> Counter:
    return Counter(r.json["kind"] for r in partner.requests)


def assert_nothing_personal_in_logs(caplog) -> None:
    """Trygg's logs, that is: the test's own SMTP server (aiosmtpd, logger `mail.log`)
    logs each recipient as any mail server does."""
    for record in caplog.records:
        if record.name == "mail.log":
            continue
        text = record.getMessage() + repr(record.__dict__)
        leaked = [p for p in PERSONAL if p in text]
        assert not leaked, f"{leaked} logged by {record.name}: {record.getMessage()}"


async def assert_nothing_personal_in_search_attributes(handle: WorkflowHandle) -> None:
    description = await handle.describe()
    values = repr(description.typed_search_attributes) + repr(description.raw_description.workflow_execution_info.search_attributes)
    assert "follow_up" in values and "noise" in values, "the attributes are there, with codes only"
    assert not [p for p in PERSONAL if p in values]


def test_workflows_name_the_error_types_the_activities_raise():
    """The retry policies in workflows/activities.py must match what the real activities raise."""
    assert workflow_activities.PERMANENT_DELIVERY_ERROR == PERMANENT_ERROR
    assert set(workflow_activities.REGISTER_RETRY.non_retryable_error_types) == set(register_errors.NON_RETRYABLE)
    assert PERMANENT_ERROR in workflow_activities.notice_retry(case_policy()).non_retryable_error_types


async def test_a_warned_case_is_in_the_register_and_every_notice_reached_its_partner_once(local_env, pg_pool, caplog):
    caplog.set_level(logging.INFO)
    area = unique("E2E")
    async with trygg(local_env, pg_pool) as stack:
        case = await open_case(stack, home(area))
        await case.verify_pending()
        case_id = (await case.view()).case_id
        inbox = await staff_inbox(pg_pool, now=datetime.now(UTC), role=Role.COORDINATOR, area=area)
        assert [(i.case_id, i.kind, i.case_stage) for i in inbox] == [(case_id, TaskKind.FIRST_CONTACT, "contact")]
        await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="home visit", method="visit"))
        await case.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason="no change agreed", resolved=False))
        view = await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="disturbances go on"))
        assert view.stage is CaseStage.FOLLOW_UP

        async def all_delivered():
            assert kinds(stack.social) == {"disturbance_notice": 1, "warning_copy": 1}
            assert kinds(stack.security) == {"extra_rounds": 1}
            assert Counter(m["To"] for m in stack.mail.received) == {LETTERS: 1, COMPLAINANT.contact: 1}
            sent = await pg_pool.fetch("SELECT status FROM partner_outbox WHERE case_id = $1", case_id)
            assert [r["status"] for r in sent] == ["sent"] * 5

        await eventually(all_delivered, timeout=20)

        async def the_law_counts_them_given():
            view = await case.view()
            assert view.warned_at is not None and view.social_services_notified_at is not None

        await eventually(the_law_counts_them_given)
        await assert_nothing_personal_in_search_attributes(case.handle)
        await case.handle.terminate("test over")

    # The register: case row, audit trail in order with actors, reports apart from complainants, tasks.
    row = await pg_pool.fetchrow("SELECT * FROM cases WHERE case_id = $1", case_id)
    assert (row["stage"], row["area"], row["category"], row["workflow_id"]) == (
        "follow_up", area, "noise", case.handle.id
    )  # fmt: skip
    events = await pg_pool.fetch("SELECT kind, actor_id, actor_role, data FROM case_events WHERE case_id = $1 ORDER BY seq", case_id)
    delivered = {json.loads(e["data"])["notice_kind"] for e in events if e["kind"] == "notice_delivered"}
    assert {"warning_to_tenant", "disturbance_notice"} <= delivered, "the channel's deliveries are on the record"
    events = [e for e in events if e["kind"] != "notice_delivered"]  # they interleave as partners answer
    assert [(e["kind"], e["actor_id"], e["actor_role"]) for e in events] == [
        ("case_opened", "trygg", "system"),
        ("report_received", "trygg", "system"),
        ("report_verified", "coord-1", "coordinator"),
        ("tenant_contacted", "coord-1", "coordinator"),
        ("dialogue_held", "coord-1", "coordinator"),
        ("warning_issued", "coord-1", "coordinator"),
    ]
    [report] = await pg_pool.fetch("SELECT * FROM reports WHERE case_id = $1", case_id)
    assert report["verified"] is True and report["place"] == "trapphus B"
    assert not [v for v in dict(report).values() if str(v) in COMPLAINANT_DATA]
    complainant = await pg_pool.fetchrow("SELECT * FROM report_complainants WHERE report_id = $1", report["report_id"])
    assert (complainant["person_id"], complainant["name"], complainant["contact"]) == COMPLAINANT_DATA
    tasks = await pg_pool.fetch("SELECT kind, status FROM staff_tasks WHERE case_id = $1 ORDER BY opened_at, task_id", case_id)
    assert [(t["kind"], t["status"]) for t in tasks] == [
        (TaskKind.VERIFY_REPORT, "done"), (TaskKind.FIRST_CONTACT, "done"), (TaskKind.DIALOGUE, "done")
    ]  # fmt: skip

    # Social services: one disturbance notice and one warning copy, signed, with Swedish documents.
    assert stack.social.bad_signatures == 0 and stack.security.bad_signatures == 0
    by_kind = {r.json["kind"]: r.json for r in stack.social.requests}
    copy = by_kind["warning_copy"]["document"]["text"]
    assert "KOPIA TILL SOCIALNÄMNDEN" in copy and "hyresavtalet kan sägas upp" in copy and "12 kap. 25 §" in copy
    assert "Bo Bengtsson och Lena Bengtsson" in copy and ADDRESS in copy and "störande ljud, trapphus B (bekräftad)" in copy
    notice = by_kind["disturbance_notice"]
    assert "UNDERRÄTTELSE TILL SOCIALNÄMNDEN" in notice["document"]["text"]
    assert notice["facts"]["verified_report_count"] == 1 and notice["facts"]["tenant_names"] == list(TENANTS)
    # The security company gets the address for its rounds, never who lives there or what they did.
    [rounds] = stack.security.requests
    assert rounds.json["facts"]["address"] == ADDRESS
    assert set(rounds.json["facts"]) <= set(SECURITY_FIELDS)

    # The tenant's letter went to the mailroom by e-mail, once, with the warning attached.
    [letter] = letters(stack)
    attached = {part.get_filename(): part.get_content() for part in letter.iter_attachments()}
    warning = next(text for name, text in attached.items() if name.startswith("tillsagelse-"))
    assert "TILLSÄGELSE" in warning and "hyresavtalet kan sägas upp" in warning and "KOPIA" not in warning
    assert "Bo Bengtsson och Lena Bengtsson" in warning and ADDRESS in warning

    # A disclosure per delivery, with the fields that left.
    disclosures = await pg_pool.fetch(
        "SELECT partner_id, fields FROM disclosures WHERE case_id = $1 ORDER BY partner_id, at", case_id
    )
    assert [d["partner_id"] for d in disclosures] == ["brev", "complainant", "soc", "soc", "vakt"]
    assert disclosures[1]["fields"] == ["category", "place", "received_at", "report_id"]

    # The complainant heard back that the report is handled, and nothing about the tenant.
    [reply] = [m for m in stack.mail.received if m["To"] == COMPLAINANT.contact]
    text = reply.get_content()
    assert reply["Subject"] == "Din anmälan om störning hanteras" and not list(reply.iter_attachments())
    assert "Vi har tagit emot din anmälan om störande ljud (trapphus B)" in text
    assert not [p for p in (ADDRESS, *TENANTS, "tillsägelse", "TILLSÄGELSE") if p in text]
    assert not {"tenant_names", "incidents"} & set(disclosures[-1]["fields"])

    # The complainant is in no payload, document, letter or audit line.
    stored = await pg_pool.fetchval(
        """SELECT string_agg(t, ' ') FROM (
               SELECT payload::text AS t FROM partner_outbox WHERE case_id = $1
               UNION ALL SELECT body FROM notice_documents WHERE case_id = $1
               UNION ALL SELECT data::text || coalesce(reason, '') FROM case_events WHERE case_id = $1) AS all_text""",
        case_id,
    )
    sent = [r.body.decode() for r in [*stack.social.requests, *stack.security.requests]]
    sent.append(letter.as_string())
    for text in [stored, *sent]:
        assert not [c for c in COMPLAINANT_DATA if c in text]

    # The inbox and the statistics answer from the register.
    assert not [i for i in await staff_inbox(pg_pool, now=datetime.now(UTC), area=area) if i.case_id == case_id]
    now = datetime.now(UTC)
    stats = await statistics(pg_pool, start=now - timedelta(days=1), end=now + timedelta(days=1), area=area)
    assert (stats.active_cases, stats.active_by_stage, stats.active_by_category) == (1, {"follow_up": 1}, {"noise": 1})
    assert {"reported", "contact", "dialogue"} <= set(stats.median_days_per_stage)
    assert_nothing_personal_in_logs(caplog)


async def test_assigning_a_case_puts_its_open_task_in_the_assignees_inbox(local_env, pg_pool):
    area = unique("E2E")
    async with trygg(local_env, pg_pool) as stack:
        case = await open_case(stack, home(area))
        case_id = (await case.view()).case_id
        view = await case.step("assign", Assign(actor=COORDINATOR, reason="Maja has Ryd", assignee="maja.l"))
        assert [t.assignee for t in view.open_tasks] == ["maja.l"]
        await case.handle.terminate("test over")
    inbox = await staff_inbox(pg_pool, now=datetime.now(UTC), assignee="maja.l", area=area)
    assert [(i.case_id, i.kind) for i in inbox] == [(case_id, TaskKind.VERIFY_REPORT)]


async def test_a_social_services_outage_leaves_deliver_by_hand_tasks_and_the_case_goes_on(local_env, pg_pool, caplog):
    caplog.set_level(logging.INFO)
    area = unique("E2E")
    async with trygg(local_env, pg_pool, social_script=("500",) * 50) as stack:
        case = await open_case(stack, home(area))
        view = await warn(case)
        assert view.stage is CaseStage.FOLLOW_UP, "the warning does not wait for the partner"

        async def by_hand():
            tasks = [t for t in (await case.view()).open_tasks if t.kind == TaskKind.DELIVER_BY_HAND]
            assert len(tasks) == 2 and {t.role for t in tasks} == {Role.COORDINATOR}

        await eventually(by_hand, timeout=20)
        view = await case.view()
        assert view.stage is CaseStage.FOLLOW_UP
        assert (await case.view(Role.COORDINATOR)).allowed_steps, "staff can still act on the case"

        async def in_inbox():
            inbox = await staff_inbox(pg_pool, now=datetime.now(UTC), role=Role.COORDINATOR, area=area)
            assert Counter(i.kind for i in inbox if i.case_id == view.case_id) == {TaskKind.DELIVER_BY_HAND: 2}

        await eventually(in_inbox)
        await case.handle.terminate("test over")
    policy = case_policy()
    assert kinds(stack.social) == {"disturbance_notice": policy.notice_max_attempts, "warning_copy": policy.notice_max_attempts}
    assert stack.social.held == {}, "nothing reached social services"
    assert len(letters(stack)) == 1, "the tenant's letter still went"
    events = await pg_pool.fetch("SELECT kind, data FROM case_events WHERE case_id = $1 ORDER BY seq", view.case_id)
    undelivered = [e for e in events if e["kind"] == "notice_undelivered"]
    assert sorted(json.loads(e["data"])["notice_kind"] for e in undelivered) == ["disturbance_notice", "warning_copy"]
    disclosed = await pg_pool.fetch("SELECT partner_id FROM disclosures WHERE case_id = $1", view.case_id)
    assert sorted(d["partner_id"] for d in disclosed) == ["brev", "complainant", "vakt"], "no disclosure for what never left"
    assert_nothing_personal_in_logs(caplog)


@pytest_asyncio.fixture(loop_scope="session")
async def api_for(local_env, pg_pool):
    """The acknowledgement API on a loopback port for a given directory."""
    servers = []

    async def start(partners: PartnerDirectory) -> httpx.AsyncClient:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = build_server(create_app(partners, pg_pool, local_env.client))
        task = asyncio.create_task(serve(server, sock))
        while not server.started:
            await asyncio.sleep(0.02)
        http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}")
        servers.append((server, task, sock, http))
        return http

    yield start
    for server, task, sock, http in servers:
        await http.aclose()
        server.should_exit = True
        await task
        sock.close()


async def test_a_signed_acknowledgement_reaches_the_case_and_stops_its_reminder(local_env, pg_pool, api_for):
    area = unique("E2E")
    async with trygg(local_env, pg_pool) as stack:
        api = await api_for(stack.directory)
        case = await open_case(stack, home(area))
        await warn(case)

        async def delivered_and_waiting():
            view = await case.view()
            waiting = [c for c in view.clocks if c.kind is ClockKind.ACKNOWLEDGEMENT_DUE]
            assert len(waiting) == 2, "the disturbance notice and the warning copy, once delivered, wait for social services"
            return view

        view = await eventually(delivered_and_waiting, timeout=20)

        async def notice_arrived():
            assert "disturbance_notice" in kinds(stack.social)

        await eventually(notice_arrived, timeout=20)
        [notice] = [r.json for r in stack.social.requests if r.json["kind"] == "disturbance_notice"]
        body = json.dumps({"notice_id": notice["notice_id"]}).encode()
        headers = {"Content-Type": "application/json", **signed_headers(SECRET, body)}

        response = await api.post("/partners/soc/acknowledgements", content=body, headers=headers)

        assert response.status_code == 202 and response.json()["case_notified"] is True

        async def recorded():
            clocks = [c for c in (await case.view()).clocks if c.kind is ClockKind.ACKNOWLEDGEMENT_DUE]
            assert len(clocks) == 1, "the acknowledged notice is no longer chased"
            event = await pg_pool.fetchrow(
                "SELECT actor_id, data FROM case_events WHERE case_id = $1 AND kind = 'notice_acknowledged'", view.case_id
            )
            assert event is not None
            assert json.loads(event["data"]) == {"notice_id": notice["notice_id"], "partner_id": "soc"}

        await eventually(recorded)
        await case.handle.terminate("test over")
    row = await pg_pool.fetchrow(
        "SELECT acknowledged_at FROM partner_outbox WHERE notice_id = $1 AND partner_id = 'soc'", notice["notice_id"]
    )
    assert row["acknowledged_at"] is not None


async def test_a_tenancy_without_address_or_names_gets_its_letters_delivered_by_hand(local_env, pg_pool):
    """No legal letter goes out with a blank where the tenant's name or address belongs:
    the case asks a coordinator to deliver each one by hand instead."""
    area = unique("E2E")
    bare = home(area).model_copy(update={"address": None, "tenant_names": ()})
    async with trygg(local_env, pg_pool) as stack:
        case = await open_case(stack, bare)
        view = await warn(case)

        async def by_hand():
            tasks = [t for t in (await case.view()).open_tasks if t.kind == TaskKind.DELIVER_BY_HAND]
            assert len(tasks) == 3, "the warning, its copy and the notice to social services"

        await eventually(by_hand, timeout=20)
        await case.handle.terminate("test over")
    assert stack.social.requests == [] and letters(stack) == []
    failed = await pg_pool.fetch(
        "SELECT kind, last_error FROM partner_outbox WHERE case_id = $1 AND status = 'failed' ORDER BY kind", view.case_id
    )
    assert [f["kind"] for f in failed] == ["disturbance_notice", "warning_copy", "warning_to_tenant"]
    assert all("address" in f["last_error"] and "tenant_names" in f["last_error"] for f in failed)
