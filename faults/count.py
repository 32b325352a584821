"""The reckoning after the faults: what was sent and accepted (the ledger) against what
the cases answer (queries), the register holds (PostgreSQL), the partners received and
the disclosure log holds.

- lost: accepted, yet missing from a case, the register, a partner or the disclosure
  log; a notice the outbox never got out (pending or failed) counts here too;
- duplicated: recorded more than once (a report under one external_ref, a step under
  one step id), or recorded although the client was never told it was accepted;
- mismatched: recorded with other content than was sent (a report's place, a step's
  actor), or a delivery whose content differs between two arrivals under its key;
- repeated: a delivery that arrived again under the same key, which at-least-once
  delivery allows and the partner's deduplication absorbs.

Each report and step counts under the fault in force when it was first sent; each
delivery under the fault in force when its outbox row was made.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from faults.load import STAFF, Ledger
from partners.outbox import disclosure_id


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    lost: int = 0
    duplicated: int = 0
    mismatched: int = 0
    repeated: int = 0
    delivered: int = 0


@dataclass
class Reckoning:
    """Tallies by phase and by what was counted ("reports", "steps", "deliveries")."""

    tallies: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    problems: list[str] = field(default_factory=list)

    def of(self, phase: str, what: str) -> Tally:
        return self.tallies[(phase, what)]

    def total(self, what: str | None = None) -> Tally:
        total = Tally()
        for (_, kind), tally in self.tallies.items():
            if what is None or kind == what:
                for name in total.__dataclass_fields__:
                    setattr(total, name, getattr(total, name) + getattr(tally, name))
        return total

    def problem(self, tally: Tally, column: str, text: str) -> None:
        setattr(tally, column, getattr(tally, column) + 1)
        if len(self.problems) < 40:
            self.problems.append(f"{column}: {text}")


STEP_REASON = re.compile(r"^[a-z_]+ step-[0-9a-f]{32}$")
"""How the suite's steps write their reason (faults.load.take_step): one per step id."""


async def reckon(
    ledger: Ledger,
    views: dict[str, object],
    pool: asyncpg.Pool,
    received: list[dict],
    phases: list[tuple[str, datetime, datetime]],
) -> Reckoning:
    result = Reckoning()
    await _reports(ledger, views, pool, result)
    await _steps(ledger, views, pool, result)
    await _deliveries(pool, received, phases, result)
    return result


async def _reports(ledger: Ledger, views: dict, pool: asyncpg.Pool, result: Reckoning) -> None:
    rows = await pool.fetch(
        "SELECT r.report_id, r.external_ref, r.category, r.place, c.tenancy_id FROM reports r JOIN cases c USING (case_id)"
    )
    by_ref: dict[str, list] = defaultdict(list)
    for row in rows:
        by_ref[row["external_ref"]].append(row)
    accepted_refs = set()
    for item in (i for i in ledger.items if i.kind == "report"):
        tally = result.of(item.phase, "reports")
        tally.sent += 1
        if not item.accepted:
            continue
        tally.accepted += 1
        accepted_refs.add(item.ident)
        held = by_ref.get(item.ident, [])
        view = views.get(item.tenancy_id)
        in_case = [r for r in (view.reports if view else ()) if r.report_id == item.report_id]
        if not held or not in_case:
            result.problem(tally, "lost", f"report {item.ident} (register {len(held)}, case {len(in_case)})")
        elif len(held) > 1 or len(in_case) > 1:
            result.problem(tally, "duplicated", f"report {item.ident} (register {len(held)}, case {len(in_case)})")
        elif (held[0]["report_id"], held[0]["place"], held[0]["category"], held[0]["tenancy_id"]) != (
            item.report_id, item.place, item.category, item.tenancy_id
        ) or in_case[0].report_id != item.report_id:
            result.problem(tally, "mismatched", f"report {item.ident}")
    for ref in set(by_ref) - accepted_refs:
        result.problem(result.of("load", "reports"), "duplicated", f"report {ref} recorded, never accepted")


async def _steps(ledger: Ledger, views: dict, pool: asyncpg.Pool, result: Reckoning) -> None:
    rows = await pool.fetch(
        "SELECT e.reason, e.kind, e.actor_id, c.tenancy_id FROM case_events e JOIN cases c USING (case_id) "
        "WHERE e.reason LIKE '% step-%'"
    )
    by_reason: dict[str, list] = defaultdict(list)
    for row in rows:
        if STEP_REASON.match(row["reason"] or ""):
            by_reason[row["reason"]].append(row)
    accepted_reasons = set()
    notes = Counter()
    for item in (i for i in ledger.items if i.kind == "step"):
        tally = result.of(item.phase, "steps")
        tally.sent += 1
        if not item.accepted:
            if item.refused:
                result.problems.append(f"refused: {item.name} on {item.tenancy_id}: {item.refused}")
            continue
        tally.accepted += 1
        accepted_reasons.add(item.reason)
        if item.name == "add_note":
            notes[item.tenancy_id] += 1
        held = by_reason.get(item.reason, [])
        if not held:
            result.problem(tally, "lost", f"{item.name} {item.ident} on {item.tenancy_id}")
        elif max(Counter(r["kind"] for r in held).values()) > 1:
            result.problem(tally, "duplicated", f"{item.name} {item.ident} ({len(held)} events)")
        elif any(r["actor_id"] != STAFF.id or r["tenancy_id"] != item.tenancy_id for r in held):
            result.problem(tally, "mismatched", f"{item.name} {item.ident}")
    for reason in set(by_reason) - accepted_reasons:
        result.problem(result.of("load", "steps"), "duplicated", f"step recorded, never accepted: {reason}")
    for tenancy_id, view in views.items():
        if view is None:
            result.problems.append(f"case {tenancy_id} did not answer its query")
            result.of("load", "steps").lost += 1
        elif view.notes != notes[tenancy_id]:
            column = "lost" if view.notes < notes[tenancy_id] else "duplicated"
            result.problem(result.of("load", "steps"), column, f"case {tenancy_id}: {view.notes} notes, {notes[tenancy_id]} accepted")


async def _deliveries(pool: asyncpg.Pool, received: list[dict], phases: list, result: Reckoning) -> None:
    outbox = await pool.fetch("SELECT notice_id, partner_id, idempotency_key, kind, status, created_at, case_id FROM partner_outbox")
    disclosed = {r["disclosure_id"] for r in await pool.fetch("SELECT disclosure_id FROM disclosures")}
    arrivals: dict[str, list[str]] = defaultdict(list)
    for delivery in received:
        arrivals[delivery["key"]].append(delivery["digest"])
    known = set()
    for row in outbox:
        phase = next((name for name, start, end in phases if start <= row["created_at"] < end), "load")
        tally = result.of(phase, "deliveries")
        tally.sent += 1
        key = row["idempotency_key"]
        known.add(key)
        got = arrivals.get(key, [])
        label = f"{row['kind']} to {row['partner_id']} ({key})"
        if row["status"] != "sent":
            result.problem(tally, "lost", f"{label}: {row['status']} in the outbox")
            continue
        tally.accepted += 1
        if not got:
            result.problem(tally, "lost", f"{label}: the partner never received it")
            continue
        tally.delivered += 1
        tally.repeated += len(got) - 1
        if len(set(got)) > 1:
            result.problem(tally, "mismatched", f"{label}: {len(set(got))} different contents under one key")
        if row["case_id"] is not None and disclosure_id(row["notice_id"], row["partner_id"]) not in disclosed:
            result.problem(tally, "lost", f"{label}: no disclosure row")
    for key in set(arrivals) - known:
        result.problem(result.of("load", "deliveries"), "mismatched", f"a delivery under {key} the outbox does not hold")
