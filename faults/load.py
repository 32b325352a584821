"""The suite's load: cases taken through the ladder by TryggClient, as staff and a case
system would, and a ledger of everything sent and accepted.

Each case has a lane: a report opens it, then verify → contact → an unresolved dialogue →
a formal warning (which sends the disturbance notice, the warning copy, the tenant's
letter, the security company's extra rounds and the complainant's reply), then notes and
further reports until the suite stops. Every report is filed under its external_ref and
every step under a step id chosen before its first attempt; a send whose outcome is not
known (a timeout, a lost connection, a server away) is sent again under the same id until
the case answers, so the ledger knows exactly what was accepted. A step is never sent
under a second id.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from client import TryggClient
from client.cases import new_step_id
from client.errors import InvalidInput, OutcomeUnknown, ReportRefused, StepRefused
from domain.models import Actor, Complainant, DisturbanceReport, Role, SourceKind, TenancyRef

STAFF = Actor(id="coord-faults", role=Role.COORDINATOR)
LADDER = ("verify_report", "record_contact", "record_dialogue", "issue_warning")
REFUSALS_RETRIED = 5
"""A refusal is sent again (same id) a few times: an RPC failure during a server restart
reaches the client as a refusal too, and the same id never takes a step twice."""


@dataclass
class Sent:
    """One report or step: what was sent, under which id, and whether it was accepted."""

    kind: str  # "report" or "step"
    tenancy_id: str
    ident: str  # the report's external_ref, or the step id
    name: str  # "report", or the step's name
    phase: str  # the fault in force when it was first sent ("load" between faults)
    reason: str | None = None
    category: str | None = None
    place: str | None = None
    report_id: str | None = None
    accepted: bool = False
    refused: str | None = None
    attempts: int = 0
    sent_at: float = 0.0
    answered_at: float = 0.0


@dataclass
class Ledger:
    items: list[Sent] = field(default_factory=list)
    phase: str = "load"
    unknown_outcomes: int = 0
    """Answers that did not come (OutcomeUnknown, a lost connection): each sent again under its id."""

    def add(self, item: Sent) -> Sent:
        item.phase, item.sent_at = self.phase, time.monotonic()
        self.items.append(item)
        return item


@dataclass
class Case:
    tenancy: TenancyRef
    reports: list[str] = field(default_factory=list)  # report ids, in order
    rung: int = 0


def new_case(number: int) -> Case:
    return Case(
        TenancyRef(
            tenancy_id=f"F{uuid.uuid4().hex[:8]}-{number}", property_id="P-1", area="Ryd",
            tenant_ids=("person-1",), address="Storgatan 1 B, 582 22 Linköping", tenant_names=("Bo Bengtsson",),
        )  # fmt: skip
    )


async def file_report(trygg: TryggClient, ledger: Ledger, case: Case) -> Sent:
    ref = f"ext-{uuid.uuid4().hex[:16]}"
    place = random.choice(("trapphus", "tvättstuga", "gården", "lägenheten"))
    report = DisturbanceReport(
        external_ref=ref, source_kind=SourceKind.NEIGHBOUR, category="noise", place=place,
        occurred_at=datetime.now(UTC) - timedelta(hours=2), tenancy=case.tenancy,
        complainant=Complainant(person_id="neighbour-7", contact="granne@example.se"),
    )  # fmt: skip
    item = ledger.add(Sent("report", case.tenancy.tenancy_id, ref, "report", "", category="noise", place=place))
    while True:
        item.attempts += 1
        try:
            receipt = await trygg.report(report)
        except ReportRefused as refusal:
            if item.attempts < REFUSALS_RETRIED:
                await asyncio.sleep(0.5)
                continue
            item.refused = str(refusal)
            return item
        except Exception:  # noqa: BLE001 - a timeout or a server away: the same report again, never a new one
            ledger.unknown_outcomes += 1
            await asyncio.sleep(0.5)
            continue
        item.accepted, item.report_id, item.answered_at = True, receipt.report_id, time.monotonic()
        case.reports.append(receipt.report_id)
        return item


async def take_step(trygg: TryggClient, ledger: Ledger, case: Case, name: str, data: dict[str, Any]) -> Sent:
    step_id = new_step_id()
    reason = f"{name} {step_id}"
    item = ledger.add(Sent("step", case.tenancy.tenancy_id, step_id, name, "", reason=reason))
    while True:
        item.attempts += 1
        try:
            await trygg.act(case.tenancy.tenancy_id, name, STAFF, {**data, "reason": reason}, step_id=step_id)
        except StepRefused as refusal:
            if item.attempts < REFUSALS_RETRIED:
                await asyncio.sleep(0.5)
                continue
            item.refused = str(refusal)
            return item
        except InvalidInput:
            raise  # the suite built a bad step: a defect here, not a fault
        except (OutcomeUnknown, Exception):  # noqa: BLE001 - not known yet: the same id again
            ledger.unknown_outcomes += 1
            await asyncio.sleep(0.5)
            continue
        item.accepted, item.answered_at = True, time.monotonic()
        return item


def next_step(case: Case) -> tuple[str, dict[str, Any]]:
    """The case's next rung, then notes."""
    rung = LADDER[case.rung] if case.rung < len(LADDER) else "add_note"
    case.rung += 1
    if rung == "verify_report":
        return rung, {"report_id": case.reports[0], "method": "inspection"}
    if rung == "record_contact":
        return rung, {"method": "visit"}
    if rung == "record_dialogue":
        return rung, {"resolved": False}
    return rung, {}


async def lane(trygg: TryggClient, ledger: Ledger, case: Case, stop: asyncio.Event, pace: float) -> None:
    """Open the case, then one action every `pace` seconds on average until `stop`."""
    first = await file_report(trygg, ledger, case)
    if not first.accepted:
        return
    actions = 0
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), pace * random.uniform(0.5, 1.5))
        except TimeoutError:
            pass
        if stop.is_set():
            return
        actions += 1
        if case.rung >= len(LADDER) and actions % 4 == 0:
            await file_report(trygg, ledger, case)
        else:
            name, data = next_step(case)
            await take_step(trygg, ledger, case, name, data)


async def probe(trygg: TryggClient, ledger: Ledger, cases: list[Case], since: float) -> list[float]:
    """One note on every case at once; seconds from `since` until each was accepted."""
    async def one(case: Case) -> float:
        item = await take_step(trygg, ledger, case, "add_note", {})
        return (item.answered_at if item.accepted else float("inf")) - since

    return list(await asyncio.gather(*(one(case) for case in cases)))
