"""One run of the fault suite: start the stack, load it, inject the faults, reckon.

`run_suite(Options(...))` is what `python -m faults` and the short test in `make test`
(tests/test_faults.py) both call.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from client import TryggClient
from domain.models import Role
from faults.count import Reckoning, reckon
from faults.load import LADDER, Ledger, new_case
from faults.suite import FAULTS, WINDOWS, Outcome, Run, inject, scratch_directory
from faults.stack import Stack
from runtime.connections import connect_temporal
from runtime.policy_file import load_policy

SHORT_WINDOW = 5.0


@dataclass
class Options:
    cases: int = 40
    faults: tuple[str, ...] = FAULTS
    short: bool = False
    pace: float = 2.0
    """Seconds between two actions of one case, on average: 40 cases make ~20 a second."""
    settle: float = 3.0
    """Load alone between two faults."""
    keep: bool = False
    short_window: float = SHORT_WINDOW

    def window(self, fault: str) -> float:
        return min(WINDOWS.get(fault, 0.0), self.short_window) if self.short else WINDOWS.get(fault, 0.0)


@dataclass
class Result:
    outcomes: list[Outcome]
    reckoning: Reckoning
    ledger: Ledger
    seconds: float
    directory: str = ""
    setup: dict = field(default_factory=dict)
    taken_back: int = 0  # lost turns the register took back (register/turns.py), from the workers' logs
    too_late: int = 0  # batches of replaced workflow tasks that wrote nothing


async def run_suite(options: Options, say=print) -> Result:
    began = time.monotonic()
    stack = Stack(scratch_directory())
    say(f"stack in {stack.directory}")
    run: Run | None = None
    try:
        await asyncio.gather(stack.start_temporal(), stack.start_postgres(), stack.start_partners())
        await asyncio.gather(stack.start_worker("a"), stack.start_worker("b"))
        say(f"stack up in {time.monotonic() - began:.0f} s: Temporal (file), PostgreSQL, partners, 2 workers")
        temporal = await connect_temporal(stack.settings)
        policy = load_policy(stack.directory / "policy.toml").rules
        trygg = TryggClient(temporal, task_queue=stack.settings.task_queue, policy=policy, step_timeout=timedelta(seconds=5))
        run = Run(stack, trygg, Ledger(), [], asyncio.Event(), options.pace)
        for number in range(options.cases):
            run.add_lane(new_case(number))
        await _climbed(run, timeout=120)
        say(f"{options.cases} cases through the ladder; faults: {', '.join(options.faults)}")
        outcomes = []
        for fault in options.faults:
            outcome = await inject(run, fault, options.window(fault))
            say(f"  {fault}: steps back in {_s(outcome.steps_back)}" + (
                f", deliveries caught up in {_s(outcome.caught_up)}" if outcome.caught_up is not None else ""))  # fmt: skip
            outcomes.append(outcome)
            await asyncio.sleep(options.settle)
        run.stop.set()
        await asyncio.gather(*run.lanes)
        await run.caught_up(datetime.now(UTC) + timedelta(seconds=1), time.monotonic())
        views = {case.tenancy.tenancy_id: await _view(trygg, case.tenancy.tenancy_id) for case in run.cases}
        received, bad_signatures = await _received(run)
        reckoning = await reckon(run.ledger, views, await run.register(), received, run.phases)
        for _ in range(bad_signatures):
            reckoning.problem(reckoning.of("load", "deliveries"), "mismatched", "a delivery whose signature did not verify")
        if os.environ.get("FAULTS_DEBUG"):
            await _explain_steps(run, reckoning)
        await run.pool.close()
        result = Result(outcomes, reckoning, run.ledger, time.monotonic() - began, str(stack.directory))
    finally:
        if run is not None:  # a run that failed half-way: no lane may outlive the stack
            for task in run.lanes:
                task.cancel()
            await asyncio.gather(*run.lanes, return_exceptions=True)
        await stack.stop()
        logs = "".join(p.read_text(errors="replace") for p in stack.directory.glob("worker-*.log"))
        if not options.keep:
            shutil.rmtree(stack.directory, ignore_errors=True)
    result.taken_back = logs.count("register took back the writes of a lost turn")
    result.too_late = logs.count("register batch from a replaced workflow task")
    return result


async def _climbed(run: Run, timeout: float) -> None:
    """Wait until every case has taken its warning (its notices are on their way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(case.rung <= len(LADDER) for case in run.cases):
        await asyncio.sleep(0.5)


async def _view(trygg: TryggClient, tenancy_id: str):
    for _ in range(20):
        try:
            return await trygg.view(tenancy_id, Role.COORDINATOR)
        except Exception:  # noqa: BLE001 - counted as a case that does not answer
            await asyncio.sleep(0.5)
    return None


async def _received(run: Run) -> tuple[list[dict], int]:
    """What the partners received, and how many webhook calls failed their signature check."""
    import httpx

    async with httpx.AsyncClient() as http:
        data = (await http.get(f"http://127.0.0.1:{run.stack.http_port}/control/received")).json()
    return data["items"], data["bad_signatures"]


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


async def _explain_steps(run: Run, reckoning: Reckoning) -> None:
    """FAULTS_DEBUG: for each case with a lost or duplicated step, the register's events
    around it and the Updates its history accepted, to see which turn wrote what."""
    cases = {p.rsplit(" on ", 1)[1] for p in reckoning.problems if p.startswith("lost: add_note") and " on " in p}
    for tenancy_id in sorted(cases)[:2]:
        rows = await run.pool.fetch(
            "SELECT e.seq, e.event_id, e.kind, e.reason FROM case_events e JOIN cases c USING (case_id) "
            "WHERE c.tenancy_id = $1 ORDER BY e.seq", tenancy_id
        )
        print(f"register of {tenancy_id}:")
        for row in rows[-30:]:
            print("   ", row["seq"], row["event_id"], row["kind"], row["reason"])
        history = await run.trygg.temporal.get_workflow_handle(f"case-{tenancy_id}").fetch_history()
        accepted = [e.workflow_execution_update_accepted_event_attributes.protocol_instance_id
                    for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")]
        print(f"history of {tenancy_id}: {len(history.events)} events; last Updates accepted: {accepted[-15:]}")
