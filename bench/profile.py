"""Where a staff step's time and a cached case's memory go: `python -m bench.profile step`
and `python -m bench.profile memory`.

Both run one sandboxed worker in this process (the workflows and real activities of
bench.workerproc) against the dev server (in-memory) and embedded PostgreSQL, and print
a breakdown for the README's performance section.

- `step`: `--steps` sequential add_note Updates on one case under cProfile, and as many
  do-nothing Updates on the baseline workflow; the time inside each part of the worker
  (cumulative, divided by the steps), the process's CPU time per step, and each part
  timed again without the profiler on the same state.
- `memory`: `--cases` cases opened under tracemalloc after a warm-up, and as many
  baseline workflows; what they still hold, by the part of the worker that allocated it,
  per case, next to the worker's resident memory growth (which also holds what Temporal's
  Rust core keeps per run, invisible to tracemalloc).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import random
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

import psutil

from bench.baseline import INTAKE_LOCAL_ACTIVITIES
from bench.intake import open_many
from bench.sample import NOTE_TAKER, Opener, note, realistic_report, run_id
from bench.stack import dev_server, register_database

KIB = 1024


@dataclass
class Stack:
    opener: Opener
    bare: Opener


@asynccontextmanager
async def worker_stack(max_cached: int, *, debug: bool = False, executor=None, sandboxed: bool = True) -> AsyncIterator[Stack]:
    """`debug`: no deadlock detection (tracemalloc slows an activation past its 2 s);
    the sandbox stays. `executor`: the thread pool workflow activations run in."""
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from activities import build_activities
    from bench.baseline import BaselineWorkflow, noop_activity
    from runtime.connections import connect_postgres
    from runtime.settings import load_settings
    from workflows.case import DisturbanceCaseWorkflow
    from workflows.prevention import PreventionWorkflow
    from workflows.registry import workflow_runner

    async with register_database() as url, dev_server("memory") as env:
        queue = f"bench-profile-{uuid.uuid4().hex[:8]}"
        pool = await connect_postgres(url, migrate=False)
        activity_set = build_activities(pool, load_settings(task_queue=queue, partners_file=None))
        try:
            async with Worker(
                env.client, task_queue=queue, workflows=[DisturbanceCaseWorkflow, PreventionWorkflow, BaselineWorkflow],
                activities=[*activity_set.functions, noop_activity], max_cached_workflows=max_cached, debug_mode=debug,
                workflow_task_executor=executor,
                workflow_runner=workflow_runner() if sandboxed else UnsandboxedWorkflowRunner(),
            ):  # fmt: skip
                yield Stack(Opener(env.client, queue, baseline=False), Opener(env.client, queue, baseline=True))
        finally:
            await activity_set.close()
            await pool.close()


# -- step -------------------------------------------------------------------------------------

STEP_PARTS: list[tuple[str, Callable[[tuple[str, int, str]], bool]]] = [
    ("step judged (domain.steps.refusal, validator and handler)", lambda k: k[0].endswith("domain/steps.py") and k[2] == "refusal"),
    ("ladder turn (domain.ladder.decide)", lambda k: k[0].endswith("domain/ladder.py") and k[2] == "decide"),
    ("  of which the working copy of the state", lambda k: k[0].endswith("domain/ladder.py") and k[2] == "_working_copy"),
    ("view returned (domain.view.view_of)", lambda k: k[0].endswith("domain/view.py") and k[2] == "view_of"),
    ("search attributes (_upsert_search_attributes)", lambda k: k[2] == "_upsert_search_attributes"),
    ("payloads decoded (pydantic converter from_payload)", lambda k: k[0].endswith("contrib/pydantic.py") and k[2] == "from_payload"),
    ("payloads encoded (pydantic converter to_payload)", lambda k: k[0].endswith("contrib/pydantic.py") and k[2] == "to_payload"),
    ("register transaction (record_register_batch, Python side)", lambda k: k[2] == "record_register_batch"),
    ("workflow activation in the sandbox (_Instance.activate)", lambda k: k[0].endswith("workflow_sandbox/_runner.py") and k[2] == "activate"),
    ("worker: activation handling (_WorkflowWorker._handle_activation)", lambda k: k[0].endswith("worker/_workflow.py") and k[2] == "_handle_activation"),
]


class ProfiledExecutor(ThreadPoolExecutor):
    """One thread for workflow activations, each run under `profiler` while it is on:
    cProfile sees only the thread it is enabled in, and activations run in this pool."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="profiled-workflow")
        self.profiler: cProfile.Profile | None = None

    def submit(self, fn, /, *args, **kwargs):
        def run():
            profiler = self.profiler
            if profiler is None:
                return fn(*args, **kwargs)
            profiler.enable()
            try:
                return fn(*args, **kwargs)
            finally:
                profiler.disable()

        return super().submit(run)


def _cumulative(stats: pstats.Stats, test: Callable[[tuple[str, int, str]], bool]) -> float:
    # cumtime (index 3) of every function matching; a coroutine's resumptions add up.
    return sum(row[3] for key, row in stats.stats.items() if test(key))  # type: ignore[attr-defined]


async def _timed_steps(opener: Opener, handle, steps: int, first: int) -> tuple[float, float]:
    """Wall and CPU seconds per step, `steps` sequential Updates."""
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(first, first + steps):
        await opener.touch(handle, n)
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def _parts_unprofiled(loops: int = 300) -> list[tuple[str, float]]:
    """Each pure part of a step timed alone on a case state like the profiled one's."""
    from datetime import UTC, datetime, timedelta

    from temporalio.contrib.pydantic import pydantic_data_converter

    from domain.ladder import decide, open_case
    from domain.policy import EscalationPolicy
    from domain.records import RegisterBatch, RegisterWrite
    from domain.steps import AddNote, refusal
    from domain.view import view_of
    from workflows.activities import _REGISTER_ACTIVITIES

    converter = pydantic_data_converter.payload_converter
    now = datetime.now(UTC)
    report = realistic_report(random.Random(3), run_id(), 0)
    state, _ = open_case(report, now, EscalationPolicy(), "bench.1", "case-bench")
    for n in range(20):
        state, _ = decide(state, note(n), now + timedelta(seconds=n))
    step = note(99)
    payload = converter.to_payloads([step])[0]
    new_state, commands = decide(state, step, now + timedelta(minutes=1))
    view = view_of(new_state, NOTE_TAKER.role)
    batch = RegisterBatch(
        case_id=state.case_id,
        writes=tuple(RegisterWrite(name=_REGISTER_ACTIVITIES[type(c)], record=c.record) for c in commands),
    )
    batch_payload = converter.to_payloads([batch])[0]
    parts = {
        "step input decoded (AddNote from its payload)": lambda: converter.from_payload(payload, AddNote),
        "step judged (refusal), once": lambda: refusal(state, "add_note", step, now + timedelta(minutes=1)),
        "ladder turn (decide)": lambda: decide(state, step, now + timedelta(minutes=1)),
        "view built (view_of)": lambda: view_of(new_state, NOTE_TAKER.role),
        "view encoded (CaseView to its payload)": lambda: converter.to_payloads([view]),
        "register batch encoded and decoded": lambda: converter.from_payload(converter.to_payloads([batch])[0], RegisterBatch),
        "  of which decoded": lambda: converter.from_payload(batch_payload, RegisterBatch),
    }
    timed = []
    for name, call in parts.items():
        call()
        start = time.perf_counter()
        for _ in range(loops):
            call()
        timed.append((name, (time.perf_counter() - start) / loops))
    return timed


class _Counting:
    """An asyncpg connection class that counts the round trips it makes (each statement,
    BEGIN and COMMIT included; an executemany is one)."""

    trips = 0


def _counting_connection():
    import asyncpg

    class Counting(asyncpg.Connection):
        async def execute(self, query, *args, timeout=None):
            if not args:
                _Counting.trips += 1
            return await super().execute(query, *args, timeout=timeout)

        async def _execute(self, *args, **kwargs):
            _Counting.trips += 1
            return await super()._execute(*args, **kwargs)

        async def _executemany(self, *args, **kwargs):
            _Counting.trips += 1
            return await super()._executemany(*args, **kwargs)

    return Counting


async def _register_round_trip(loops: int = 200) -> tuple[float, float]:
    """Wall seconds of one add_note's register batch through the real activity, and the
    round trips to PostgreSQL it makes."""
    import asyncpg
    from temporalio.testing import ActivityEnvironment

    from activities.register import RegisterActivities
    from bench.register_rate import _case, _event
    from runtime.connections import keep_session
    from domain.records import ActivityName, RegisterBatch, RegisterWrite

    async with register_database() as url:
        # The pool as the worker opens it (runtime.connections.connect_postgres: no reset query on release).
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2, connection_class=_counting_connection(),
                                         reset=keep_session)  # fmt: skip
        try:
            register, env, run = RegisterActivities(pool), ActivityEnvironment(), run_id()
            case = _case(0, run)
            await env.run(register.upsert_case, case)
            batches = [
                RegisterBatch(case_id=case.case_id, writes=(RegisterWrite(name=ActivityName.RECORD_CASE_EVENT,
                                                                          record=_event(case.case_id, n)),))
                for n in range(loops + 20)
            ]  # fmt: skip
            for b in batches[:20]:
                await env.run(register.record_register_batch, b)
            trips, start = _Counting.trips, time.perf_counter()
            for b in batches[20:]:
                await env.run(register.record_register_batch, b)
            return (time.perf_counter() - start) / loops, (_Counting.trips - trips) / loops
        finally:
            await pool.close()


async def profile_step(steps: int, top: int, sandboxed: bool = True) -> None:
    executor = ProfiledExecutor()
    async with worker_stack(max_cached=50, executor=executor, sandboxed=sandboxed) as stack:
        rng, run = random.Random(5), run_id()
        case = (await open_many(stack.opener, 1, 1, seed=5)).handles[0]
        bare = await stack.bare.open(realistic_report(rng, run, 1))
        for opener, handle in ((stack.opener, case), (stack.bare, bare)):
            await _timed_steps(opener, handle, 20, 0)  # warm up
        case_wall, case_cpu = await _timed_steps(stack.opener, case, steps, 100)
        bare_wall, bare_cpu = await _timed_steps(stack.bare, bare, steps, 100)
        profiles = []
        for opener, handle in ((stack.opener, case), (stack.bare, bare)):
            loop_profiler, workflow_profiler = cProfile.Profile(), cProfile.Profile()
            executor.profiler = workflow_profiler
            loop_profiler.enable()
            await _timed_steps(opener, handle, steps, 1000)
            loop_profiler.disable()
            executor.profiler = None
            profiles.append(pstats.Stats(loop_profiler).add(workflow_profiler))
    executor.shutdown()
    stats, bare_stats = profiles
    print(f"staff step (add_note) vs do-nothing Update, {steps} sequential each, one "
          f"{'sandboxed' if sandboxed else 'unsandboxed (diagnostic)'} worker in process")
    print(f"  wall per step: {case_wall * 1000:.2f} ms vs {bare_wall * 1000:.2f} ms bare ({case_wall / bare_wall:.2f}x)")
    print(f"  process CPU per step (client, worker, SDK core threads): {case_cpu * 1000:.2f} ms vs {bare_cpu * 1000:.2f} ms bare")
    print(f"\ninside the worker under cProfile (cumulative ms per step; the profiler itself slows Python about 2x):")
    print(f"  {'part':66} {'case':>7} {'bare':>7}")
    for name, test in STEP_PARTS:
        print(f"  {name:66} {_cumulative(stats, test) / steps * 1000:7.3f} {_cumulative(bare_stats, test) / steps * 1000:7.3f}")
    print("\neach part alone, no profiler (ms per call, the case after 20 notes):")
    for name, seconds in _parts_unprofiled():
        print(f"  {name:66} {seconds * 1000:7.3f}")
    seconds, trips = await _register_round_trip()
    print(f"  {f'register batch of one event, through the activity, wall ({trips:.0f} round trips)':66} {seconds * 1000:7.3f}")
    if top:
        print(f"\ntop {top} functions by own time (case):")
        stats.sort_stats("tottime").print_stats(top)


# -- memory -----------------------------------------------------------------------------------

MEMORY_PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("client side of the benchmark (not the worker)", ("temporalio/client/", "bench/sample.py", "bench/measure.py")),
    ("sandbox: the workflow module imported anew per run (code, class, definition)", ("workflow_sandbox/_importer.py",)),
    ("payloads decoded (start input, report, step inputs, activity results)", ("temporalio/converter.py", "contrib/pydantic.py")),
    ("case state, built by the ladder (domain/)", ("/domain/",)),
    ("register activity (asyncpg)", ("/activities/", "asyncpg/")),
    ("the case workflow object (workflows/, its handlers' locals)", ("/workflows/", "bench/baseline.py")),
    ("sandbox: the run's importer, restricted modules, globals", ("workflow_sandbox/",)),
    ("SDK workflow instance (handlers, futures, commands, update state)", ("worker/_workflow_instance.py",)),
    ("SDK worker (running workflows, activations)", ("worker/_workflow.py", "temporalio/bridge/")),
]


def _part_of(trace: tracemalloc.Traceback) -> str:
    files = [frame.filename for frame in trace]
    for name, needles in MEMORY_PARTS:
        if any(needle in f for f in files for needle in needles):
            return name
    return "other (asyncio, protobuf, interpreter)"


async def _held(open_some: Callable[[], object]) -> tuple[dict[str, int], int, int]:
    """Bytes still held after `open_some`, by part, and the process RSS growth."""
    process = psutil.Process()
    gc.collect()
    before, rss = tracemalloc.take_snapshot(), process.memory_info().rss
    await open_some()
    await asyncio.sleep(1.0)
    gc.collect()
    after, rss_after = tracemalloc.take_snapshot(), process.memory_info().rss
    parts: dict[str, int] = {}
    total = 0
    for diff in after.compare_to(before, "traceback"):
        parts[_part_of(diff.traceback)] = parts.get(_part_of(diff.traceback), 0) + diff.size_diff
        total += diff.size_diff
    return parts, total, rss_after - rss


async def _rss_growth(open_some: Callable[[], object], count: int) -> float:
    """Resident memory the process gained per workflow while `open_some` ran (no tracemalloc)."""
    process = psutil.Process()
    gc.collect()
    await asyncio.sleep(0.5)
    before = process.memory_info().rss
    await open_some()
    await asyncio.sleep(1.0)
    gc.collect()
    return (process.memory_info().rss - before) / count


async def profile_memory(cases: int) -> None:
    from bench.sample import Opener

    async with worker_stack(max_cached=6 * cases + 100, debug=True) as stack:
        floor = Opener(stack.bare.client, stack.bare.task_queue, baseline=True, local_activities=True)
        for n, opener in enumerate((stack.opener, stack.bare, floor)):  # first imports are not per case
            await open_many(opener, 10, 4, seed=20 + n)
        kept: list = []

        def opening(opener: Opener, seed: int):
            async def run() -> None:
                kept.append(await open_many(opener, cases, 2, seed=seed))

            return run

        rss = {name: await _rss_growth(opening(opener, 30 + n), cases)
               for n, (name, opener) in enumerate((("case", stack.opener), ("bare", stack.bare), ("floor", floor)))}  # fmt: skip
        tracemalloc.start(32)
        case_parts, case_total, _ = await _held(opening(stack.opener, 23))
        bare_parts, bare_total, _ = await _held(opening(stack.bare, 24))
        tracemalloc.stop()
    print(f"memory held per cached workflow, {cases} opened per side in one sandboxed worker (KiB per workflow)")
    print(f"  {'Python allocations by the part that made them (tracemalloc)':78} {'case':>7} {'bare':>7}")
    names = [name for name, _ in MEMORY_PARTS] + ["other (asyncio, protobuf, interpreter)"]
    for name in names:
        c, b = case_parts.get(name, 0), bare_parts.get(name, 0)
        print(f"    {name:76} {c / cases / KIB:7.1f} {b / cases / KIB:7.1f}")
    print(f"  {'all Python allocations':78} {case_total / cases / KIB:7.1f} {bare_total / cases / KIB:7.1f}")
    print(f"  {'resident memory (RSS) growth, measured without tracemalloc':78} {rss['case'] / KIB:7.1f} {rss['bare'] / KIB:7.1f}")
    print(f"  {'  of which outside Python objects (RSS - Python): mostly the SDK core, per run':78} "
          f"{(rss['case'] - case_total / cases) / KIB:7.1f} {(rss['bare'] - bare_total / cases) / KIB:7.1f}")  # fmt: skip
    print(f"  {f'the bare workflow with {INTAKE_LOCAL_ACTIVITIES} no-op local activities (Temporal floor), RSS growth':78} {'':7} {rss['floor'] / KIB:7.1f}")


def main(argv: list[str] | None = None) -> None:
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("step", "memory"))
    parser.add_argument("--steps", type=int, default=200, help="sequential Updates per side (step; default 200)")
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with most own time (step)")
    parser.add_argument("--cases", type=int, default=200, help="workflows opened per side (memory; default 200)")
    parser.add_argument("--unsandboxed", action="store_true", help="step: run the worker without the sandbox (diagnostic)")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    Runtime.set_default(
        Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))))
    )
    if args.what == "step":
        asyncio.run(profile_step(args.steps, args.top, sandboxed=not args.unsandboxed))
    else:
        asyncio.run(profile_memory(args.cases))
    from runtime.process import exit_now

    exit_now(0)


if __name__ == "__main__":
    main()
