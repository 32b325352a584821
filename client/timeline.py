"""A case's timeline decoded from Temporal's event history (and the register's trail).

Operators read what happened in the case's own words: reports, staff steps with actor
and reason, clocks that fired, notices sent, failed and acknowledged, and the prevention
track. A complainant's identity never appears: it is dropped while decoding. Everything
else is cut to the reader's role by the one redaction rule (domain/redaction.py) before a
summary is built from it, so a summary never says more than its fields.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import PayloadConverter

from domain.models import Role
from domain.redaction import actor_label, cut, cut_model
from register.queries import AuditTrail

_HIDDEN_PREFIXES = ("complainant",)


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    summary: str
    actor: str | None = None
    reason: str | None = None
    data: dict[str, Any] = {}


class Timeline(BaseModel):
    workflow_id: str
    runs: list[str]
    entries: list[TimelineEntry]
    audit_trail: AuditTrail | None = None
    for_role: Role | None = None


def build_timeline(
    workflow_id: str,
    histories: list[WorkflowHistory],
    converter: PayloadConverter,
    trail: AuditTrail | None = None,
    children: list[WorkflowHistory] = (),
    role: Role | None = None,
) -> Timeline:
    """The case's runs in order, with the steps of its child workflows merged in by time,
    cut to what `role` may read (domain/redaction.py; None reads codes only)."""
    entries: list[TimelineEntry] = []
    for history in histories:
        entries.extend(_Decoder(converter, role).decode(history))
    for child in children:
        entries.extend(e for e in _Decoder(converter, role).decode(child) if e.kind.startswith(("step:", "signal:")))
    shown_trail = cut_model(trail, role) if trail is not None else None
    if shown_trail is not None:
        entries.extend(register_entries(shown_trail))
    entries.sort(key=lambda entry: entry.at)
    return Timeline(
        workflow_id=workflow_id,
        runs=[h.run_id for h in histories],
        entries=entries,
        audit_trail=shown_trail,
        for_role=role,
    )


CLOCK_EVENTS = frozenset(
    {
        "task_reminder", "task_escalated", "acknowledgement_missing", "follow_up_checkpoint", "quiet_period_passed",
        "termination_window_closing", "termination_window_closed", "action_plan_review_due",
    }
)  # fmt: skip
"""Register events a clock caused. Temporal's history shows only that the case's one timer
fired; what it meant (a task overdue, an acknowledgement missing, a checkpoint) the ladder
recorded in the register, for the case and its prevention track alike."""


def register_entries(trail: AuditTrail) -> list[TimelineEntry]:
    """What the history cannot say by itself, from the register's trail (already cut to
    the reader's role): each task opened and closed, and what each clock did."""
    entries = []
    for task in trail.tasks:
        entries.append(
            TimelineEntry(
                at=task.opened_at, kind="task_opened", summary=f"task {task.task_id} opened: {task.kind} for {task.role}",
                data={"task_id": task.task_id, "due_at": task.due_at.isoformat()},
            )
        )  # fmt: skip
        if task.closed_at is not None:
            entries.append(
                TimelineEntry(at=task.closed_at, kind="task_closed", summary=f"task {task.task_id} ({task.kind}) {task.status}")
            )
    for event in trail.events:
        if event.kind in CLOCK_EVENTS:
            entries.append(TimelineEntry(at=event.at, kind=f"clock:{event.kind}", summary=_clock_summary(event.kind, event.data), data=event.data))
        elif event.kind in INCIDENT_EVENTS:
            entries.append(TimelineEntry(at=event.at, kind=f"incident:{event.kind}", summary=INCIDENT_EVENTS[event.kind] + f" (run {event.data.get('run_id')}); the team lead reviews it", data=event.data))
    return entries


INCIDENT_EVENTS = {
    "case_terminated_outside_ladder": "incident: the case was terminated in Temporal, outside the ladder",
    "case_reset_outside_ladder": "incident: the case was reset in Temporal, outside the ladder",
}
"""Recorded by the incident sweep (register/incidents.py): no event of the case's own
history says it, since a terminated or reset run never ran code to say so."""


def _clock_summary(kind: str, data: dict[str, Any]) -> str:
    if kind == "task_reminder":
        return f"clock: task {data.get('task_id')} ({data.get('task_kind')}) is due; {data.get('role')} reminded"
    if kind == "task_escalated":
        return f"clock: task {data.get('task_id')} ({data.get('task_kind')}) still open; escalated to {data.get('to_role')}"
    if kind == "acknowledgement_missing":
        return f"clock: no acknowledgement of {data.get('notice_kind')} ({data.get('notice_id')}); chase it"
    return "clock: " + kind.replace("_", " ")


class _Decoder:
    """Walks one run's events, remembering scheduled activities and timers by event id.
    Every decoded payload is cut to the reader's role before anything is built from it."""

    def __init__(self, converter: PayloadConverter, role: Role | None = None) -> None:
        self.converter = converter
        self.role = role
        self.activities: dict[int, tuple[str, dict[str, Any]]] = {}
        self.reports: dict[str, str] = {}
        """Update id -> external_ref of each file_report Update, to tell how it ended."""
        self.track_ended = False
        """The prevention track's end was told by its signal: its child's completion is not told again."""

    def decode(self, history: WorkflowHistory) -> list[TimelineEntry]:
        out: list[TimelineEntry] = []
        for event in history.events:
            entry = self._entry(event)
            if entry is not None:
                out.append(entry)
        return out

    def _args(self, payloads) -> list[Any]:
        if not payloads or not payloads.payloads:
            return []
        try:
            return [cut(_redact(value), self.role) for value in self.converter.from_payloads(list(payloads.payloads))]
        except Exception:  # noqa: BLE001 - an undecodable payload (e.g. encrypted) is shown as such
            return ["<undecodable>"]

    def _entry(self, event) -> TimelineEntry | None:  # noqa: C901 - one branch per event type
        at = event.event_time.ToDatetime().replace(tzinfo=timezone.utc)
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            attributes = event.workflow_execution_started_event_attributes
            continued = bool(attributes.continued_execution_run_id)
            return TimelineEntry(at=at, kind="run_started", summary="case continued in a new run" if continued else "case workflow started")
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            attributes = event.workflow_execution_signaled_event_attributes
            args = self._args(attributes.input)
            data = args[0] if args and isinstance(args[0], dict) else {}
            self.track_ended = self.track_ended or attributes.signal_name == "prevention_finished"
            return TimelineEntry(at=at, kind=f"signal:{attributes.signal_name}", summary=_signal_summary(attributes.signal_name, data), data=data)
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            args = self._args(request.input.args)
            data = args[0] if args and isinstance(args[0], dict) else {}
            if request.input.name == "file_report":
                # The report as the reader's role may see it (already cut: the tenancy's
                # names and address only for case work, never the complainant).
                self.reports[request.meta.update_id] = str(data.get("external_ref"))
                return TimelineEntry(at=at, kind="report:file_report", summary=_signal_summary("report", data), data=data)
            actor = data.get("actor") or {}
            step_fields = {k: v for k, v in data.items() if k not in ("actor", "reason")}
            shown = {k: v for k, v in step_fields.items() if v is not None}
            return TimelineEntry(
                at=at,
                kind=f"step:{request.input.name}",
                summary=request.input.name.replace("_", " ") + (f" ({_fields(shown)})" if shown else ""),
                actor=actor_label(actor.get("role"), actor.get("id"), self.role) if actor else None,
                reason=data.get("reason"),
                data=step_fields,
            )
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            attributes = event.workflow_execution_update_completed_event_attributes
            ref = self.reports.get(attributes.meta.update_id)
            if ref is None:
                return None
            if attributes.outcome.HasField("failure"):
                reason = "; ".join(attributes.outcome.failure.message.splitlines())
                return TimelineEntry(at=at, kind="report_refused", summary=f"report {ref} refused: {reason}")
            answer = self._args(attributes.outcome.success)
            receipt = answer[0] if answer and isinstance(answer[0], dict) else {}
            if receipt.get("duplicate"):
                return TimelineEntry(
                    at=at, kind="report_repeated", summary=f"report {ref} repeated: filed before as {receipt.get('report_id')}"
                )
            return None
        if kind == EventType.EVENT_TYPE_TIMER_FIRED:
            return TimelineEntry(at=at, kind="clock_fired", summary="the case's next clock fired")
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = event.activity_task_scheduled_event_attributes
            args = self._args(attributes.input)
            self.activities[event.event_id] = (attributes.activity_type.name, args[0] if args and isinstance(args[0], dict) else {})
            return None
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attributes = event.activity_task_completed_event_attributes
            name, request = self.activities.get(attributes.scheduled_event_id, ("?", {}))
            if name != "send_notice":
                return None
            result = self._args(attributes.result)
            outcome = result[0] if result and isinstance(result[0], dict) else {}
            delivered = outcome.get("delivered_to") or []
            summary = f"notice {request.get('kind')} sent to {', '.join(delivered)}" if delivered else f"notice {request.get('kind')}: no partner takes it"
            return TimelineEntry(at=at, kind="notice_sent", summary=summary, data={"notice_id": request.get("notice_id"), **outcome})
        if kind in (EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT):
            attributes = (
                event.activity_task_failed_event_attributes
                if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
                else event.activity_task_timed_out_event_attributes
            )
            name, request = self.activities.get(attributes.scheduled_event_id, ("?", {}))
            label = f"notice {request.get('kind')}" if name == "send_notice" else f"activity {name}"
            return TimelineEntry(
                at=at, kind="notice_failed" if name == "send_notice" else "activity_failed",
                summary=f"{label} failed: {attributes.failure.message}", data={"notice_id": request.get("notice_id")},
            )  # fmt: skip
        if kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
            child = event.child_workflow_execution_started_event_attributes.workflow_execution.workflow_id
            return TimelineEntry(at=at, kind="prevention_started", summary=f"prevention track started ({child})")
        if kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
            if self.track_ended:
                return None  # its `prevention_finished` signal already said how it ended
            return TimelineEntry(at=at, kind="prevention_finished", summary="prevention track finished")
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return TimelineEntry(at=at, kind="continued_as_new", summary="history handed over to a new run")
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            return TimelineEntry(at=at, kind="case_closed", summary="case workflow completed")
        return None


def _signal_summary(name: str, data: dict[str, Any]) -> str:
    if name == "report":
        ref = f" {data['external_ref']}" if data.get("external_ref") else ""
        return f"report{ref}: {data.get('category')} ({data.get('severity')}) from {data.get('source_kind')}"
    if name == "acknowledge_notice":
        return f"notice {data.get('notice_id')} acknowledged by {data.get('partner_id')}"
    if name == "prevention_finished":
        return f"prevention track ended: {data.get('outcome')}"
    return name.replace("_", " ")


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def _redact(value: Any) -> Any:
    """Drop every complainant field, at any depth."""
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items() if not k.lower().startswith(_HIDDEN_PREFIXES)}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value
