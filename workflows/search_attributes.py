"""Trygg's custom search attributes: ids, stages and dates only, never personal data
(search attributes are stored and shipped unencrypted)."""

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("TryggStage")
CASE_AREA = SearchAttributeKey.for_keyword("TryggArea")
CASE_CATEGORY = SearchAttributeKey.for_keyword("TryggCategory")
NEXT_DUE = SearchAttributeKey.for_datetime("TryggNextDue")
OVERDUE = SearchAttributeKey.for_bool("TryggOverdue")
ESCALATED = SearchAttributeKey.for_bool("TryggEscalated")

ALL = [CASE_STAGE, CASE_AREA, CASE_CATEGORY, NEXT_DUE, OVERDUE, ESCALATED]
