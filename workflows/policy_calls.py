"""The workflow side of the policy: asking the worker for it, and for a longer calendar.

Kept out of workflows/case.py so that whoever wires the case (the intake work, the lead)
calls two small functions and the activities' contract stays in one place:

- `ask_policy_in_force()` when a case opens: the worker's policy, as a local activity,
  so the answer is in the case's history and a replay reads it from there.
- `lasting_calendar(policy)` whenever the case is about to count working days (the top
  of each turn is enough): while the policy's calendar reaches `CALENDAR_MARGIN` past
  `workflow.now()` it returns the same object and issues no command; else one local
  activity rebuilds the Swedish calendar for more years, same rules, same version, and
  the case keeps the answer in its state. Gate it with
  `workflow.patched(CALENDAR_PATCH)`: a history recorded before never asked.

Neither reads the clock or the `holidays` library inside the workflow.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.policy import EscalationPolicy, calendar_extension
    from domain.records import ActivityName

CALENDAR_PATCH = "policy-calendar-extension"
"""The patch id under which a case asks for its calendar to be extended."""

POLICY_TIMEOUT = timedelta(seconds=30)
POLICY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


async def ask_policy_in_force() -> EscalationPolicy:
    """The worker's policy in force, recorded in history."""
    return await workflow.execute_local_activity(
        ActivityName.POLICY_IN_FORCE,
        result_type=EscalationPolicy,
        start_to_close_timeout=POLICY_TIMEOUT,
        retry_policy=POLICY_RETRY,
    )


async def lasting_calendar(policy: EscalationPolicy) -> EscalationPolicy:
    """`policy` itself while its calendar lasts; else the same rules with a calendar
    reaching CALENDAR_YEARS past now, from the worker, recorded in history."""
    request = calendar_extension(policy, workflow.now())
    if request is None:
        return policy
    return await workflow.execute_local_activity(
        ActivityName.EXTEND_CALENDAR,
        request,
        result_type=EscalationPolicy,
        start_to_close_timeout=POLICY_TIMEOUT,
        retry_policy=POLICY_RETRY,
    )
