"""Trygg's custom search attributes: ids, stages and dates only, never personal data
(search attributes are stored and shipped unencrypted)."""

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("TryggStage")
CASE_AREA = SearchAttributeKey.for_keyword("TryggArea")
CASE_CATEGORY = SearchAttributeKey.for_keyword("TryggCategory")
NEXT_DUE = SearchAttributeKey.for_datetime("TryggNextDue")
OVERDUE = SearchAttributeKey.for_bool("TryggOverdue")
ESCALATED = SearchAttributeKey.for_bool("TryggEscalated")
INTAKE_REFUSED = SearchAttributeKey.for_bool("TryggIntakeRefused")
"""True while a run holds a report it could not read: on a case until the team lead closes
the `review_refused_intake` task, on a run that had no case for good (it ends failed)."""

ALL = [CASE_STAGE, CASE_AREA, CASE_CATEGORY, NEXT_DUE, OVERDUE, ESCALATED, INTAKE_REFUSED]
