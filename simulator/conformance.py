"""Conformance: a sample of simulated cases replayed as real workflows.

The simulation claims to be the engine. This proves it on a sample: each sampled case's
inputs (its reports, the staff steps, the prevention steps and the partners'
acknowledgements, at the simulated moments) are sent to real `DisturbanceCaseWorkflow`s
on the time-skipping test server, whose clock is moved to each moment; the partner
channel answers each notice as the simulation drew it (`notice_outcome`). Clocks are
not sent: the workflows keep their own. Each replayed case must end in the same stage
and outcome, with the same events, tasks and notices, as the simulation's.

Ids the ladder derives from the case id (reports, tasks, notices, the prevention
track's workflow) are translated from the simulated case id to the real one.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.ladder import prevention_workflow_id
from domain.policy import EscalationPolicy
from domain.records import ActivityName
from domain.view import CaseView
from domain.prevention import PreventionView
from simulator.engine import CaseRun, Engine
from simulator.scenario import Scenario
from workflows.start import file_report

RUNGS = ("termination_approved", "termination_review_opened", "prevention_started", "warning_issued",
         "tenant_contacted", "report_verified", "report_rejected")  # fmt: skip


def sample(engine: Engine, k: int) -> list[CaseRun]:
    """Up to `k` cases of a run kept with `keep_inputs`, the furthest up the ladder first,
    one per rung before a second of any: only tenancies with a single case in the run
    (a second case of a tenancy would need its closed workflow id reused)."""
    runs = [r for r in engine.runs if engine.cases_per_tenancy[r.d.tenancy.tenancy_id] == 1]
    by_rung: dict[str, list[CaseRun]] = {}
    for run in runs:
        rung = next((k for k in RUNGS if run.tally["events"].get(k)), "other")
        by_rung.setdefault(rung, []).append(run)
    chosen: list[CaseRun] = []
    while len(chosen) < k and any(by_rung.values()):
        for rung in (*RUNGS, "other"):
            if by_rung.get(rung) and len(chosen) < k:
                chosen.append(by_rung[rung].pop(0))
    return chosen


def expected(run: CaseRun) -> dict[str, Any]:
    """What the simulation says the case came to."""
    return {
        "stage": str(run.state.stage),
        "outcome": str(run.state.outcome) if run.state.outcome else None,
        "events": dict(sorted(run.tally["events"].items())),
        "tasks": dict(sorted(run.tally["tasks"].items())),
        "notices": dict(sorted(run.tally["notices"].items())),
    }


def observed(calls: list[tuple[str, Any]], notices: list[Any], case_id: str) -> dict[str, Any]:
    """What the workflow asked the register and partners to do, read from the stand-ins' calls."""
    upserts = [r for name, r in calls if name == ActivityName.UPSERT_CASE and r.case_id == case_id]
    last = upserts[-1] if upserts else None
    return {
        "stage": last.stage if last else None,
        "outcome": last.outcome if last else None,
        "events": dict(sorted(Counter(r.kind for n, r in calls if n == ActivityName.RECORD_CASE_EVENT and r.case_id == case_id).items())),
        "tasks": dict(sorted(Counter(r.kind for n, r in calls if n == ActivityName.OPEN_STAFF_TASK and r.case_id == case_id).items())),
        "notices": dict(sorted(Counter(str(r.kind) for r in notices if r.case_id == case_id).items())),
    }


def notice_outcomes(runs: list[CaseRun]) -> dict[tuple[str, str], bool]:
    """(tenancy id, the notice id's last part) -> delivered, as the simulation drew it."""
    return {(r.d.tenancy.tenancy_id, suffix): ok for r in runs for suffix, ok in r.notice_outcomes.items()}


@dataclass
class Replay:
    """Sends the sampled cases' inputs to real workflows at their simulated moments."""

    env: WorkflowEnvironment
    queue: str
    engine: Engine
    runs: list[CaseRun]
    case_ids: dict[str, str] = field(default_factory=dict)
    """simulated case id -> the workflow's case id."""

    @property
    def client(self) -> Client:
        return self.env.client

    async def run(self) -> None:
        inputs = sorted(((i[0], n, i) for n, run in enumerate(self.runs) for i in run.inputs), key=lambda x: (x[0], x[1]))
        for t_us, n, item in inputs:
            await self._until(self.engine.begin + timedelta(microseconds=t_us))
            await self._send(self.runs[n], item)
        await self._until(self.engine.begin + timedelta(microseconds=self.engine.end_us))

    async def _until(self, moment: datetime) -> None:
        now = await self.env.get_current_time()
        if moment > now:
            await self.env.sleep(moment - now)

    def _real(self, run: CaseRun, value: str) -> str:
        sim = run.state.case_id
        real = self.case_ids.get(sim, sim)
        return real + value[len(sim):] if value.startswith(sim) else value

    @staticmethod
    async def _side_task(case, kind: str, due_at: datetime, ref: str | None = None) -> str:
        """The open side task of this kind about the same report or notice (else of the same
        due moment, else any): its id depends on the order partners answered, which the
        workflow does not fix. Two chases due at one moment differ only in what they chase:
        picked by the moment alone, the wrong one was completed and the other then closed by
        its acknowledgement (seed 10 from 2026-12-01)."""
        view = await case.query("view", result_type=CaseView)
        tasks = [t for t in view.open_tasks if t.kind == kind and not t.task_id.endswith(".lead")]
        about = [t for t in tasks if ref is not None and t.ref == ref]
        same = [t for t in tasks if t.due_at == due_at]
        if not (about or same or tasks):
            raise AssertionError(f"no open {kind} task in the workflow")
        return (about or same or tasks)[0].task_id

    async def _send(self, run: CaseRun, item: tuple) -> None:
        try:
            await self._send_one(run, item)
        except WorkflowUpdateFailedError as failure:
            cause = getattr(failure.cause, "message", failure.cause)
            at = self.engine.begin + timedelta(microseconds=item[0])
            raise AssertionError(f"{run.state.case_id}: '{item[2]}' at {at.isoformat()} refused by the workflow: {cause}") from None

    async def _send_one(self, run: CaseRun, item: tuple) -> None:
        kind = item[1]
        tenancy_id = run.d.tenancy.tenancy_id
        if kind == "report":
            receipt, _ = await file_report(self.client, item[2], task_queue=self.queue, search_attributes=False)
            self.case_ids.setdefault(run.state.case_id, receipt.case_id)
            return
        case = self.client.get_workflow_handle(f"case-{tenancy_id}")
        if kind == "step":
            name, step = item[2], item[3]
            update = {f: self._real(run, getattr(step, f)) for f in ("report_id", "task_id") if hasattr(step, f)}
            if len(item) > 4:
                kind, due_at, ref = item[4]
                update["task_id"] = await self._side_task(case, kind, due_at, self._real(run, ref) if ref else None)
            await case.execute_update(name, step.model_copy(update=update), result_type=CaseView)
        elif kind == "pstep":
            real_case = self.case_ids[run.state.case_id]
            track = self.client.get_workflow_handle(prevention_workflow_id(real_case))
            await track.execute_update(item[2], item[3], result_type=PreventionView)
        elif kind == "ack":
            ack = item[2]
            await case.signal("acknowledge_notice", ack.model_copy(update={"notice_id": self._real(run, ack.notice_id)}))


async def check(
    scenario: Scenario, rules: EscalationPolicy, *, homes: int, months: int, seed: int, k: int
) -> dict[str, Any]:
    """`trygg simulate --conformance K`: a run of this policy, scenario, homes and seed,
    begun at the time-skipping server's clock (it cannot be set back to the report's start),
    and K of its cases replayed as real workflows with the in-memory register. Returns how
    many ended alike and, for those that did not, what differed."""
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Worker

    from runtime.embedded import bundled_binary
    from simulator.recorder import Recorder
    from workflows.case import DisturbanceCaseWorkflow
    from workflows.prevention import PreventionWorkflow

    # A notice refused for good is part of the story; the SDK's warning for it is noise here.
    logging.getLogger("temporalio.activity").setLevel(logging.ERROR)
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=bundled_binary("temporal-test-server"), data_converter=pydantic_data_converter
    )
    try:
        begin = await env.get_current_time() + timedelta(minutes=5)
        engine = Engine(scenario, rules, homes=homes, months=months, seed=seed, begin=begin, keep_inputs=True)
        engine.run()
        runs = sample(engine, k)
        recorder = Recorder(engine.policy, notice_outcomes(runs))
        queue = f"conformance-{seed}-{homes}"
        async with Worker(env.client, task_queue=queue, workflows=[DisturbanceCaseWorkflow, PreventionWorkflow],
                          activities=recorder.activities):  # fmt: skip
            replay = Replay(env, queue, engine, runs)
            await replay.run()
        mismatched = []
        for run in runs:
            want = expected(run)
            got = observed(recorder.calls, recorder.requests, replay.case_ids[run.state.case_id])
            if got != want:
                differs = {key: {"simulated": want[key], "workflow": got[key]} for key in want if want[key] != got[key]}
                mismatched.append({"case": run.state.case_id, "differs": differs})
        reached = Counter(next((r for r in RUNGS if run.tally["events"].get(r)), "other") for run in runs)
        return {"sample": len(runs), "alike": len(runs) - len(mismatched), "furthest_rungs": dict(reached),
                "mismatched": mismatched}  # fmt: skip
    finally:
        await env.shutdown()
