"""Every id Trygg prints names its case, and every command accepts it.

A newcomer copies whatever id the last command printed: `trygg report` prints a case id
(`T-1001.3f9c2a1b7d04`) and a report id (`…:r2`), `trygg inbox` case ids, `trygg cases`
workflow ids (`case-T-1001`), `trygg show` task ids (`…:t3`) and the prevention track's
workflow id (`prevention-…`). All of them lead back to one tenancy's case workflow,
because every case-local id starts with its case id, and a case id starts with its
tenancy id followed by twelve hex digits (workflows/case.py). So any of them, or the
tenancy id itself, names the case; no command asks for one form only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CASE_PREFIX = "case-"
PREVENTION_PREFIX = "prevention-"
_CASE_ID = re.compile(r"^(?P<tenancy>[A-Za-z0-9._:-]+?)\.(?P<suffix>[0-9a-f]{12})(?::[A-Za-z0-9._-]+)?$")
"""`<tenancy>.<12 hex>`, optionally followed by `:<local id>` (report, task, notice)."""


@dataclass(frozen=True)
class CaseReference:
    """Which case workflow a reference names and, when it named one case, which case:
    a tenancy gets a new case after closure, so an old case id must not reach the new one."""

    workflow_id: str
    case_id: str | None = None


def case_reference(reference: str) -> CaseReference:
    """Read any id Trygg prints (or a tenancy id) as the case it belongs to."""
    reference = reference.strip()
    if reference.startswith(CASE_PREFIX):
        return CaseReference(reference)
    if reference.startswith(PREVENTION_PREFIX):
        reference = reference.removeprefix(PREVENTION_PREFIX)
    found = _CASE_ID.fullmatch(reference)
    if found is not None:
        return CaseReference(CASE_PREFIX + found["tenancy"], f"{found['tenancy']}.{found['suffix']}")
    return CaseReference(CASE_PREFIX + reference)


LATEST = "latest"
"""Names the case's most recently filed report wherever a report id is asked for."""


def resolve_report(reference: str, reports) -> str | None:
    """The report id a person meant: a report id of the case as it is, else the report the
    case system filed under that `external_ref`, else `latest` for the last one filed.
    `reports` are the case's reports in the order they were filed (CaseView.reports);
    None when none matches (the case then refuses the step, listing its reports)."""
    ids = [r.report_id for r in reports]
    if reference in ids:
        return reference
    by_ref = [r.report_id for r in reports if r.external_ref is not None and r.external_ref == reference]
    if by_ref:
        return by_ref[-1]
    if reference == LATEST and ids:
        return ids[-1]
    return None
