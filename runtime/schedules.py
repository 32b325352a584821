"""Idempotent Temporal Schedules: created on the first worker start, left alone while
their settings are unchanged, updated in place (keeping an operator's pause) when not.

A fingerprint of the settings sits in the schedule's note, so every worker can call
`ensure_schedule` at start without racing the others into duplicate schedules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAction,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

ScheduleOutcome = Literal["created", "unchanged", "updated"]


async def ensure_schedule(
    client: Client,
    schedule_id: str,
    *,
    label: str,
    settings: dict[str, Any],
    action: ScheduleAction,
    calendar: ScheduleCalendarSpec,
    time_zone: str,
) -> ScheduleOutcome:
    """Make sure `schedule_id` runs `action` at `calendar` in `time_zone`. Runs never
    overlap; a run missed while the cluster was down is caught up within a day.
    `settings` is everything that should trigger an update when it changes."""
    fingerprint = hashlib.sha256(
        json.dumps({**settings, "calendar": repr(calendar), "time_zone": time_zone}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    note = f"trygg {label} {fingerprint}"
    build: Callable[[bool], Schedule] = lambda paused: Schedule(  # noqa: E731 - a one-line factory
        action=action,
        spec=ScheduleSpec(calendars=[calendar], time_zone_name=time_zone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
        state=ScheduleState(note=note, paused=paused),
    )
    try:
        await client.create_schedule(schedule_id, build(False))
        return "created"
    except ScheduleAlreadyRunningError:
        pass
    handle = client.get_schedule_handle(schedule_id)
    if (await handle.describe()).schedule.state.note == note:
        return "unchanged"

    def replace(update: ScheduleUpdateInput) -> ScheduleUpdate:
        return ScheduleUpdate(schedule=build(update.description.schedule.state.paused))

    await handle.update(replace)
    return "updated"
