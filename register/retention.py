"""Deleting and anonymising what the register may no longer keep (GDPR art. 5.1 e).

Three rules, each measured from `now` (the workflow's clock, or a test's moved clock):
1. Security-company night reports (source_kind `security_company`) received more than
   `night_reports_days` ago are deleted, with their complainant, once they no longer carry an
   open case: the case is closed, or the report was rejected as unfounded. A verified or
   pending report on an open case is the evidence that case stands on; it goes with the case.
2. Complainant identities are deleted `complainant_identity_days_after_close` days after
   their case closed. The report itself stays (without anyone's identity).
3. A case closed more than `closed_case_days` ago loses its events, reports, tasks,
   disclosures, partner outbox entries and rendered notice documents (0002), and its row is anonymised: tenancy, property and tenant
   ids are cleared, and what remains (area, category, stage history, dates, outcome) keeps the
   long-run statistics true without pointing at anyone.

All three run in one transaction: a run that fails removes nothing and the next run
(tomorrow, or Temporal's retry) starts over. Only counts leave this module.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from pydantic import AwareDatetime, Field

from domain.models import Frozen, SourceKind
from domain.retention import RetentionPolicy


class RetentionRequest(Frozen):
    """Input of the apply_retention activity: the policy and the moment to measure from."""

    policy: RetentionPolicy
    now: AwareDatetime


class RetentionCounts(Frozen):
    """What one retention run removed, by kind. Counts only: nothing personal."""

    night_reports_deleted: int = 0
    complainant_identities_deleted: int = 0
    cases_anonymised: int = 0
    case_events_deleted: int = Field(default=0, description="With the anonymised cases.")
    reports_deleted_with_cases: int = 0
    staff_tasks_deleted: int = 0
    disclosures_deleted: int = 0
    notice_documents_deleted: int = Field(default=0, description="Rendered partner documents of anonymised cases.")
    partner_outbox_deleted: int = Field(default=0, description="Partner outbox entries (payloads) of anonymised cases.")

    @property
    def total(self) -> int:
        return sum(self.model_dump().values())


async def apply_retention(conn: asyncpg.Connection, request: RetentionRequest) -> RetentionCounts:
    """Apply every rule as of `request.now`, in one transaction; returns what went."""
    policy, now = request.policy, request.now
    async with conn.transaction():
        night = await conn.fetchval(
            """WITH gone AS (
                   DELETE FROM reports r USING cases c
                    WHERE r.case_id = c.case_id AND r.source_kind = $1 AND r.received_at < $2
                      AND (c.closed_at IS NOT NULL OR r.verified IS false)
                   RETURNING 1)
               SELECT count(*) FROM gone""",
            SourceKind.SECURITY_COMPANY.value,
            now - timedelta(days=policy.night_reports_days),
        )
        identities = await conn.fetchval(
            """WITH gone AS (
                   DELETE FROM report_complainants rc USING reports r, cases c
                    WHERE rc.report_id = r.report_id AND r.case_id = c.case_id
                      AND c.closed_at IS NOT NULL AND c.closed_at < $1
                   RETURNING 1)
               SELECT count(*) FROM gone""",
            now - timedelta(days=policy.complainant_identity_days_after_close),
        )
        expired = [
            row["case_id"]
            for row in await conn.fetch(
                """SELECT case_id FROM cases
                    WHERE closed_at IS NOT NULL AND closed_at < $1 AND anonymised_at IS NULL
                    FOR UPDATE""",
                now - timedelta(days=policy.closed_case_days),
            )
        ]
        removed = {}
        for table in ("case_events", "reports", "staff_tasks", "disclosures", "notice_documents", "partner_outbox", "case_incidents"):
            removed[table] = await conn.fetchval(
                f"WITH gone AS (DELETE FROM {table} WHERE case_id = ANY($1::text[]) RETURNING 1) SELECT count(*) FROM gone",
                expired,
            )
        await conn.execute(
            """UPDATE cases SET tenancy_id = NULL, property_id = NULL, tenant_ids = '{}', workflow_id = case_id,
                      anonymised_at = $2
                WHERE case_id = ANY($1::text[])""",
            expired,
            now,
        )
    return RetentionCounts(
        night_reports_deleted=night,
        complainant_identities_deleted=identities,
        cases_anonymised=len(expired),
        case_events_deleted=removed["case_events"],
        reports_deleted_with_cases=removed["reports"],
        staff_tasks_deleted=removed["staff_tasks"],
        disclosures_deleted=removed["disclosures"],
        notice_documents_deleted=removed["notice_documents"],
        partner_outbox_deleted=removed["partner_outbox"],
    )
