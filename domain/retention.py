"""How long the register keeps each kind of record (GDPR art. 5.1 e, art. 10).

Data, not code: the register's retention job reads a `RetentionPolicy`, and the
defaults below each say where they come from, so a data-protection officer can
change them without touching the ladder.
"""

from __future__ import annotations

from pydantic import Field

from domain.models import Frozen


class RetentionPolicy(Frozen):
    """Retention limits per kind of record, in days."""

    night_reports_days: int = Field(
        default=90,
        ge=1,
        description="Security-company night reports (störningsjour) not joined to a case are kept 90 days. "
        "Source: DOMAIN.md 'Clocks' (practice).",
    )
    complainant_identity_days_after_close: int = Field(
        default=365,
        ge=0,
        description="A complainant's identity is erased one year after the case closes: long enough for an "
        "appeal or a reopened dispute, no longer. Source: Trygg default (data minimisation, GDPR art. 5.1 c/e).",
    )
    closed_case_days: int = Field(
        default=3 * 365,
        ge=1,
        description="A closed case file is kept three years, the general limitation period for claims "
        "(preskriptionslagen applies 10 years to claims, but a disturbance file loses its use after a renewed "
        "lease cycle). Source: Trygg default; check against the company's archive plan (dokumenthanteringsplan).",
    )
