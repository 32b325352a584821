"""`python -m bench.run` (`make bench`): every measurement of issues #7 and #17, Trygg
against the bare-Temporal baseline in the same run, on the dev server with the in-memory
and the file database, judged against issue 17's goals, with Temporal's floor (the
baseline running the local activities a case runs) beside them. Prints one table and
writes bench/results/latest.json.

The default run stays under five minutes on a 2-core machine; `--cases 1000,10000`
measures memory and recovery at both sizes of the issue, `--quick` is the smoke size.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

from bench import machine
from bench.api import api_rows
from bench.baseline import INTAKE_LOCAL_ACTIVITIES
from bench.intake import interleaved_intake
from bench.memory import memory_and_recovery
from bench.register_rate import register_rate
from bench.sample import Opener
from bench.size import FULL_PATH, PATHS, baseline_size, path_sizes
from bench.stack import DATABASES, dev_server, register_database
from bench.steps import interleaved_latency
from bench.table import Row, judged, render, write_json
from bench.workerproc import WorkerProcess

RESULTS = Path(__file__).parent / "results" / "latest.json"
KIB = 1024


@dataclass
class Sizes:
    databases: tuple[str, ...] = DATABASES
    intake: int = 150
    updates: int = 160
    concurrency: int = 16
    cases: tuple[int, ...] = (1000,)
    memory_databases: tuple[str, ...] = ("memory",)
    register: int = 1000
    size: bool = True
    unsandboxed: bool = False

    @classmethod
    def quick(cls) -> "Sizes":
        return cls(intake=20, updates=32, concurrency=4, cases=(20,), memory_databases=("memory",), register=100)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part for part in text.split(",") if part)
    unknown = set(names) - set(DATABASES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown database {sorted(unknown)}; choose from {DATABASES}")
    return names


def parse(argv: list[str] | None = None) -> tuple[Sizes, Path]:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves the harness, measures nothing")
    parser.add_argument("--databases", type=_names, help="dev-server databases, e.g. memory,file (default both)")
    parser.add_argument("--intake", type=int, help="reports opened per side for the intake rate (default 150)")
    parser.add_argument("--updates", type=int, help="Updates per side and per concurrency (default 160)")
    parser.add_argument("--concurrency", type=int, help="clients in flight for the concurrent rows (default 16)")
    parser.add_argument("--cases", type=_ints, help="open cases for memory and recovery, e.g. 1000,10000 (default 1000)")
    parser.add_argument(
        "--memory-databases", type=_names, help="databases the memory/recovery rows run on (default memory)"
    )
    parser.add_argument("--register", type=int, help="audit events written per register row (default 1000)")
    parser.add_argument(
        "--unsandboxed", action="store_true", help="also measure memory with an unsandboxed worker (diagnostic)"
    )
    parser.add_argument("--no-size", action="store_true", help="skip the history-size rows")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes()
    for name in ("databases", "intake", "updates", "concurrency", "cases", "memory_databases", "register"):
        if getattr(args, name) is not None:
            setattr(sizes, name, getattr(args, name))
    sizes.size = not args.no_size
    sizes.unsandboxed = args.unsandboxed
    return sizes, args.output


def _ratio_at_least(limit: float):
    return lambda row: row.ratio is not None and row.ratio >= limit


def step_floors(floor: Opener, writer: Opener) -> tuple[tuple[Opener, str, str], ...]:
    """What a step's Update is measured against besides the bare one: Temporal's floor, and
    the floor with the PostgreSQL commit a step must make before it answers."""
    return (
        (floor, "floor: bare + 1 no-op local activity", "Temporal's own cost of a side effect before the answer"),
        (writer, "floor + write: bare + 1 local activity committing one row",
         "Temporal's floor and the PostgreSQL commit a step must make before it answers"),
    )  # fmt: skip


def _ratio_at_most(limit: float):
    return lambda row: row.ratio is not None and row.ratio <= limit


async def on_dev_server(database: str, database_url: str, sizes: Sizes, rows: list[Row]) -> None:
    server = f"dev/{database}"
    async with dev_server(database) as env:
        client = env.client
        if database in sizes.databases:
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            # Room for every workflow this run opens (four intake sides, three API sides, their
            # warm-ups): a step on an evicted case would time its replay, not the step. With
            # 2 x intake the API rows, measured last, stepped on evicted cases (34.7 ms for a
            # sequential API step against 11.2 ms direct on the same, then cached, cases).
            cached = 8 * sizes.intake + 200
            address = client.service_client.config.target_host
            async with WorkerProcess(address, client.namespace, queue, cached, database_url):
                trygg, bare = Opener(client, queue, baseline=False), Opener(client, queue, baseline=True)
                floor = Opener(client, queue, baseline=True, local_activities=True)
                shaped = Opener(client, queue, baseline=True, local_activities=True, shaped=True)
                writer = Opener(client, queue, baseline=True, local_activities=True, writes=True)
                # warm the worker and the server up
                await interleaved_intake([bare, trygg, floor, shaped], 10, sizes.concurrency, rounds=1, seed=3)
                base, case, least, shape = await interleaved_intake([bare, trygg, floor, shaped], sizes.intake, sizes.concurrency)
                rows.append(judged(
                    Row("intake: case opened and recorded", server, "reports/s", case.accepted_per_s,
                        base.accepted_per_s, note=f"file_report Update-with-start until the receipt (the first turn "
                        f"in the register) vs a do-nothing Update-with-start; {sizes.intake} reports, "
                        f"{sizes.concurrency} in flight, the sides interleaved"),
                    ">= 0.8x", _ratio_at_least(0.8),
                ))  # fmt: skip
                rows.append(Row(
                    "intake: every workflow idle", server, "reports/s", case.opened_per_s, base.opened_per_s,
                    note="until no workflow task or activity is pending: for a case, its first notices sent too",
                ))  # fmt: skip
                rows.append(Row(
                    f"floor: bare + {INTAKE_LOCAL_ACTIVITIES} no-op local activities, intake", server, "reports/s",
                    least.accepted_per_s, base.accepted_per_s,
                    note=f"Temporal's own cost of an intake that reads and writes before it answers, as the case's "
                    f"does; Trygg / this floor = {case.accepted_per_s / least.accepted_per_s:.2f}",
                ))  # fmt: skip
                rows.append(Row(
                    "floor: a case's shape, no-op commands, intake", server, "reports/s",
                    shape.accepted_per_s, base.accepted_per_s,
                    note=f"Temporal's own cost of the commands a case's opening issues (patch marker, "
                    f"{INTAKE_LOCAL_ACTIVITIES} local "
                    f"activities, search attributes, then a notice activity, a local activity and a timer), each a "
                    f"no-op; Trygg / this floor = {case.accepted_per_s / shape.accepted_per_s:.2f}",
                ))  # fmt: skip
                lanes = sizes.concurrency
                floors_of_a_step = step_floors(floor, writer)
                for label, concurrency in (("sequential", 1), (f"{lanes} in flight", lanes)):
                    c, b, *floors = await interleaved_latency(
                        [(trygg, case.handles[: 2 * lanes]), (bare, base.handles[: 2 * lanes]),
                         *((opener, least.handles[: 2 * lanes]) for opener, _, _ in floors_of_a_step)],
                        sizes.updates, concurrency,
                    )  # fmt: skip
                    rows.append(judged(
                        Row(f"update p50, {label}", server, "ms", c.p50_ms, b.p50_ms,
                            note="add_note (one register write, view returned) vs a do-nothing Update, the sides "
                            "interleaved" if concurrency == 1 else ""),
                        "<= 1.3x" if concurrency == 1 else "<= 1.5x", _ratio_at_most(1.3 if concurrency == 1 else 1.5),
                    ))  # fmt: skip
                    rows.append(Row(f"update p99, {label}", server, "ms", c.p99_ms, b.p99_ms))
                    for f, (_, name, meaning) in zip(floors, floors_of_a_step):
                        rows.append(Row(f"{name}, update p50, {label}", server, "ms", f.p50_ms, b.p50_ms,
                                        note=f"{meaning}; Trygg / this = {c.p50_ms / f.p50_ms:.2f}"))  # fmt: skip
                rows.extend(await api_rows(client, queue, database_url, server, count=sizes.intake,
                                           concurrency=sizes.concurrency))  # fmt: skip
        if database in sizes.memory_databases:
            for count in sizes.cases:
                c = await memory_and_recovery(client, database_url, baseline=False, count=count, concurrency=sizes.concurrency)
                b = await memory_and_recovery(client, database_url, baseline=True, count=count, concurrency=sizes.concurrency)
                f = await memory_and_recovery(client, database_url, baseline=True, count=count,
                                              concurrency=sizes.concurrency, local_activities=True)  # fmt: skip
                fs = await memory_and_recovery(client, database_url, baseline=True, count=count,
                                               concurrency=sizes.concurrency, local_activities=True, shaped=True)  # fmt: skip
                rows.append(judged(
                    Row(f"memory per open case, {count:,} cached", server, "KiB", c.bytes_per_case / KIB,
                        b.bytes_per_case / KIB,
                        note=f"worker RSS {c.rss_before / 2**20:.0f} -> {c.rss_after / 2**20:.0f} MiB "
                        f"(baseline {b.rss_before / 2**20:.0f} -> {b.rss_after / 2**20:.0f} MiB)"),
                    "<= 1.5x", _ratio_at_most(1.5),
                ))  # fmt: skip
                if count >= 10_000:
                    rows.append(judged(
                        Row(f"worker RSS with {count:,} open cases", server, "GiB", c.rss_after / 2**30,
                            b.rss_after / 2**30, note="one worker process, every case in its cache"),
                        "<= 1.5 GiB", lambda row: row.trygg <= 1.5,
                    ))  # fmt: skip
                    rows.append(Row(
                        f"floor: a case's shape, worker RSS with {count:,} open", server, "GiB", fs.rss_after / 2**30,
                        b.rss_after / 2**30, note="the bare workflow issuing a case's opening commands, each a no-op",
                    ))  # fmt: skip
                if sizes.unsandboxed:
                    cu = await memory_and_recovery(client, database_url, baseline=False, count=count,
                                                   concurrency=sizes.concurrency, sandboxed=False)
                    bu = await memory_and_recovery(client, database_url, baseline=True, count=count,
                                                   concurrency=sizes.concurrency, sandboxed=False)
                    rows.append(Row(
                        f"memory per open case, {count:,} cached, no sandbox", server, "KiB",
                        cu.bytes_per_case / KIB, bu.bytes_per_case / KIB,
                        note="diagnostic: the same worker with UnsandboxedWorkflowRunner",
                    ))
                rows.append(Row(
                    f"floor: bare + {INTAKE_LOCAL_ACTIVITIES} no-op local activities, memory per open case, {count:,} cached",
                    server, "KiB", f.bytes_per_case / KIB, b.bytes_per_case / KIB,
                    note=f"Temporal's own memory for a run with a case's local activities; Trygg / this floor = "
                    f"{c.bytes_per_case / f.bytes_per_case:.2f}",
                ))  # fmt: skip
                rows.append(Row(
                    f"floor: a case's shape, memory per open case, {count:,} cached", server, "KiB",
                    fs.bytes_per_case / KIB, b.bytes_per_case / KIB,
                    note=f"Temporal's own memory for a run with a case's opening commands, each a no-op; Trygg / "
                    f"this floor = {c.bytes_per_case / fs.bytes_per_case:.2f}",
                ))  # fmt: skip
                rows.append(Row(
                    f"floor: a case's shape, recovery of {count:,}", server, "s", fs.recovery_seconds,
                    b.recovery_seconds, note=f"each replayed, then an Update with one local activity; Trygg / this "
                    f"floor = {c.recovery_seconds / fs.recovery_seconds:.2f}",
                ))  # fmt: skip
                rows.append(Row(
                    f"floor: bare + local activities, recovery of {count:,}", server, "s", f.recovery_seconds,
                    b.recovery_seconds, note=f"each replayed, then an Update with one local activity; Trygg / this "
                    f"floor = {c.recovery_seconds / f.recovery_seconds:.2f}",
                ))  # fmt: skip
                rows.append(judged(
                    Row(f"recovery: restarted worker serves {count:,} Updates", server, "s", c.recovery_seconds,
                        b.recovery_seconds, note=f"each case replayed first; per Update p50 {c.recovery_p50_ms:.0f} ms, "
                        f"p99 {c.recovery_p99_ms:.0f} ms (baseline {b.recovery_p50_ms:.0f} / {b.recovery_p99_ms:.0f} ms)"),
                    "<= 1.5x", _ratio_at_most(1.5),
                ))  # fmt: skip


async def on_register(database_url: str, sizes: Sizes, rows: list[Row]) -> None:
    for concurrency in (1, sizes.concurrency):
        r = await register_rate(database_url, sizes.register, concurrency)
        label = "one by one" if concurrency == 1 else f"{concurrency} in flight"
        rows.append(Row(
            f"register: audit events written, {label}", "postgres", "events/s", r.activity_per_s, r.bare_per_s,
            note="record_case_event in an ActivityEnvironment vs a bare INSERT of the same row" if concurrency == 1 else "",
        ))  # fmt: skip


async def on_test_server(rows: list[Row]) -> None:
    base = await baseline_size()
    for path in await path_sizes(tuple(PATHS)):
        note = f"{path.case.activities} activities, {path.case.payload_bytes / KIB:.1f} KiB payloads"
        if path.prevention:
            note += f"; its prevention track: {path.prevention.events} events more"
        row = Row(f"history: case {path.path}", "test server", "events", path.case.events, base.events, note=note)
        rows.append(judged(row, "< 300", lambda r: r.trygg < 300) if path.path == FULL_PATH else row)


async def run(sizes: Sizes, output: Path) -> list[Row]:
    started = time.perf_counter()
    rows: list[Row] = []
    async with register_database() as database_url:
        for database in DATABASES:
            if database in sizes.databases or database in sizes.memory_databases:
                await on_dev_server(database, database_url, sizes, rows)
        await on_register(database_url, sizes, rows)
    if sizes.size:
        await on_test_server(rows)
    meta = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine.describe(),
        "sizes": {k: v for k, v in vars(sizes).items()},
    }
    write_json(rows, output, meta)
    m = meta["machine"]
    print(f"Trygg vs bare Temporal: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
          f"Python {m['python']}, temporalio {m['temporalio']}, temporal CLI {m['temporal_cli']}")  # fmt: skip
    print(render(rows))
    print(f"\n{len(rows)} rows in {meta['seconds']} s; written to {output}")
    return rows


def main(argv: list[str] | None = None) -> None:
    sizes, output = parse(argv)
    Runtime.set_default(  # the SDK's own warnings about the test server would drown the table
        Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))))
    )
    asyncio.run(run(sizes, output))
    from runtime.process import exit_now

    exit_now(0)


if __name__ == "__main__":
    main()
