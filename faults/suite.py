"""The faults, one after another under load, each with its recovery measured.

Recovery is measured from the end of a fault: the kill itself for one worker (the other
must take its cases over), the moment the restarted workers, server or database answer
again, the moment a partner is back. "steps back" is the slowest of one probe step sent
to every case at that moment (the fastest is shown too); "deliveries caught up", for a
partner fault, is until every notice held back by it is recorded as sent; for the crash
between sending and recording, until that very notice is recorded.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from faults.load import Case, Ledger, lane, new_case, probe
from faults.stack import Stack
from faults.workerproc import ARMED, CRASHED

FAULTS = (
    "worker-kill", "workers-kill", "temporal-kill", "postgres-stop",
    "smtp-down", "webhook-503", "webhook-hang", "crash-after-send",
)  # fmt: skip
WINDOWS = {"postgres-stop": 20.0, "smtp-down": 30.0, "webhook-503": 30.0, "webhook-hang": 30.0}
"""How long each outage lasts in the full run (issue 18); `--short` shortens them."""


@dataclass
class Outcome:
    fault: str
    window: float
    steps_back: float | None = None
    first_back: float | None = None
    caught_up: float | None = None
    note: str = ""


@dataclass
class Run:
    stack: Stack
    trygg: object
    ledger: Ledger
    cases: list[Case]
    stop: asyncio.Event
    pace: float
    lanes: list[asyncio.Task] = field(default_factory=list)
    phases: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    pool: asyncpg.Pool | None = None

    def add_lane(self, case: Case) -> None:
        self.cases.append(case)
        self.lanes.append(asyncio.create_task(lane(self.trygg, self.ledger, case, self.stop, self.pace)))

    async def probe(self, since: float, outcome: Outcome) -> None:
        ready = [c for c in self.cases if c.reports]
        times = await probe(self.trygg, self.ledger, ready, since)
        outcome.steps_back, outcome.first_back = max(times), min(times)
        if os.environ.get("FAULTS_DEBUG"):
            for case, seconds in zip(ready, times):
                if seconds > 2:
                    await _explain(self.trygg, case, seconds)

    async def register(self) -> asyncpg.Pool:
        if self.pool is None:
            self.pool = await asyncpg.create_pool(self.stack.database_url, min_size=0, max_size=4)
        return self.pool

    async def caught_up(self, before: datetime, since: float, timeout: float = 240.0) -> float | None:
        """Seconds from `since` until no notice made before `before` is still pending."""
        pool = await self.register()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pending = await pool.fetchval(
                    "SELECT count(*) FROM partner_outbox WHERE status = 'pending' AND created_at < $1", before
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pending = -1
            if pending == 0:
                return time.monotonic() - since
            await asyncio.sleep(0.25)
        return None

    async def partner(self, path: str) -> None:
        async with httpx.AsyncClient() as http:
            (await http.post(f"http://127.0.0.1:{self.stack.http_port}/control/{path}")).raise_for_status()


async def worker_kill(run: Run, window: float) -> Outcome:
    outcome = Outcome("worker-kill", 0.0, note="SIGKILL one of two workers; the other takes its cases")
    run.stack.kill_worker("a")
    await run.probe(time.monotonic(), outcome)
    await run.stack.start_worker("a")
    return outcome


async def workers_kill(run: Run, window: float) -> Outcome:
    killed = time.monotonic()
    run.stack.kill_worker("a")
    run.stack.kill_worker("b")
    await asyncio.gather(run.stack.start_worker("a"), run.stack.start_worker("b"))
    back = time.monotonic()
    outcome = Outcome("workers-kill", back - killed, note="SIGKILL both; measured from both restarted")
    await run.probe(back, outcome)
    return outcome


async def temporal_kill(run: Run, window: float) -> Outcome:
    killed = time.monotonic()
    run.stack.kill_temporal()
    await run.stack.start_temporal()
    back = time.monotonic()
    outcome = Outcome("temporal-kill", back - killed, note="SIGKILL the dev server, restarted on its file database")
    await run.probe(back, outcome)
    return outcome


async def postgres_stop(run: Run, window: float) -> Outcome:
    stopped = time.monotonic()
    await run.stack.stop_postgres_immediately()
    await asyncio.sleep(window)
    await run.stack.restart_postgres()
    back = time.monotonic()
    outcome = Outcome("postgres-stop", back - stopped, note="pg_ctl stop -m immediate, started again")
    await run.probe(back, outcome)
    return outcome


def partner_fault(name: str, down: str, up: str, note: str) -> Callable[[Run, float], Awaitable[Outcome]]:
    async def fault(run: Run, window: float) -> Outcome:
        await run.partner(down)
        await asyncio.sleep(window)
        await run.partner(up)
        back, before = time.monotonic(), datetime.now(UTC)
        outcome = Outcome(name, window, note=note)
        await run.probe(back, outcome)
        outcome.caught_up = await run.caught_up(before, back)
        return outcome

    return fault


async def crash_after_send(run: Run, window: float) -> Outcome:
    fault_dir = run.stack.directory
    (fault_dir / CRASHED).unlink(missing_ok=True)
    (fault_dir / ARMED).touch()
    run.add_lane(new_case(len(run.cases)))  # a fresh case's warning sends notices
    deadline = time.monotonic() + 120
    while not (fault_dir / CRASHED).exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    crashed = time.monotonic()
    if not (fault_dir / CRASHED).exists():
        (fault_dir / ARMED).unlink(missing_ok=True)
        return Outcome("crash-after-send", 0.0, note="no notice was sent within 120 s: not injected")
    notice_id, partner_id = (fault_dir / CRASHED).read_text().split()
    await asyncio.sleep(0.5)
    for name in [n for n in list(run.stack.workers) if run.stack.reap_worker(n)]:
        await run.stack.start_worker(name)
    outcome = Outcome("crash-after-send", 0.0, note="a worker killed between a delivery and its record")
    await run.probe(crashed, outcome)
    pool = await run.register()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = await pool.fetchval(
            "SELECT status FROM partner_outbox WHERE notice_id = $1 AND partner_id = $2", notice_id, partner_id
        )
        if status == "sent":
            outcome.caught_up = time.monotonic() - crashed
            break
        await asyncio.sleep(0.25)
    return outcome


INJECT = {
    "worker-kill": worker_kill,
    "workers-kill": workers_kill,
    "temporal-kill": temporal_kill,
    "postgres-stop": postgres_stop,
    "smtp-down": partner_fault("smtp-down", "smtp/down", "smtp/up", "the mail server stops listening"),
    "webhook-503": partner_fault("webhook-503", "webhook/503", "webhook/ok", "the webhook answers 503"),
    "webhook-hang": partner_fault(
        "webhook-hang", "webhook/hang", "webhook/ok", "the webhook keeps each notice, answers after the channel timeout"
    ),
    "crash-after-send": crash_after_send,
}


async def inject(run: Run, fault: str, window: float) -> Outcome:
    """Run one fault under load; what is sent meanwhile counts under its name."""
    start = datetime.now(UTC)
    repeats = sum(1 for name, _, _ in run.phases if name.split(" #")[0] == fault)
    label = f"{fault} #{repeats + 1}" if repeats else fault  # a fault given twice is two rows
    run.ledger.phase = label
    try:
        outcome = await INJECT[fault](run, window)
        outcome.fault = label
        return outcome
    finally:
        run.ledger.phase = "load"
        run.phases.append((label, start, datetime.now(UTC)))


def scratch_directory() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="trygg-faults-"))


async def _explain(trygg, case: Case, seconds: float) -> None:
    """FAULTS_DEBUG: the history of a case that came back slowly, event by event."""
    handle = trygg.temporal.get_workflow_handle(f"case-{case.tenancy.tenancy_id}")
    from temporalio.api.enums.v1 import EventType

    history = await handle.fetch_history()
    print(f"slow: {case.tenancy.tenancy_id} {seconds:.1f} s")
    for event in history.events[-25:]:
        print("   ", event.event_time.ToDatetime().time(), EventType.Name(event.event_type))
