"""The fault suite's stack, each part a process of its own that a fault can stop:
the Temporal dev server on its file database (started as `trygg dev` starts it), embedded
PostgreSQL (a daemon of pg_ctl, stopped with `-m immediate`, a crash for the clients),
the partners (faults/partnerproc.py) and the workers (faults/workerproc.py).

Every child asks Linux to end it when the suite dies (runtime.devstack), so a killed run
leaves no server behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from runtime.devstack import _die_with_parent, free_port, start_temporal, stop_process, wait_for_temporal
from runtime.embedded import create_migrated_database, start_embedded_postgres, stop_embedded_postgres
from runtime.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "faults-webhook-secret-0123456789abcdef"
CHANNEL_TIMEOUT = 2.0
"""The webhook partners' channel timeout: a "hang" answers only after it (faults.partnerproc)."""

PASSED = {"TRYGG_STICKY_QUEUE_TIMEOUT_SECONDS"}
"""Trygg settings the suite passes from its own environment to the workers, to measure
another value; every other TRYGG_ and TEMPORAL_ variable is the suite's to set."""

POLICY = """\
# The fault suite's policy: the defaults, but a notice is retried from 0.5 s on (doubling,
# up to 10 min, README "Delivery") and often enough to outlast a 30 s partner outage, so a
# delivery held back by a fault arrives instead of becoming a deliver-by-hand task.
version = "faults.1"
notice_initial_retry_seconds = 0.5
notice_max_attempts = 12
"""


def partner_directory(http_port: int) -> str:
    url = f"http://127.0.0.1:{http_port}/notices"
    social = ["tenancy_id", "area", "address", "apartment_number", "tenant_names", "category", "incidents",
              "report_count", "verified_report_count", "warned_at", "termination_date", "termination_ground",
              "meeting_at", "meeting_place"]  # fmt: skip
    return f"""\
[sender]
name = "Bostadsbolaget AB, trygghetsgruppen"
phone = "013-20 00 00"
email = "trygghet@bostadsbolaget.example"

[[partners]]
id = "soc"
kind = "social_services"
name = "Socialtjänsten"
notices = ["disturbance_notice", "warning_copy", "termination_notice", "action_plan_meeting"]
fields = {json.dumps(social)}
[partners.channel]
type = "webhook"
url = "{url}"
secret = "{SECRET}"
timeout_seconds = {CHANNEL_TIMEOUT}

[[partners]]
id = "vakt"
kind = "security_company"
name = "Vaktbolaget"
notices = ["extra_rounds"]
fields = ["tenancy_id", "area", "address", "place", "occurred_at", "category"]
[partners.channel]
type = "webhook"
url = "{url}"
secret = "{SECRET}"
timeout_seconds = {CHANNEL_TIMEOUT}

[[partners]]
id = "brev"
kind = "letter_dispatch"
name = "Postrummet"
notices = ["warning_to_tenant"]
fields = ["tenancy_id", "address", "tenant_names", "incidents", "category"]
[partners.channel]
type = "email"
address = "postrummet@bostadsbolaget.example"
"""


@dataclass
class Stack:
    """The running parts, and how to kill and restart each."""

    directory: Path
    settings: Settings = field(init=False)
    temporal: subprocess.Popen | None = None
    postgres: object = None
    database_url: str = ""
    partners: subprocess.Popen | None = None
    http_port: int = 0
    smtp_port: int = 0
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)
    _logs: list = field(default_factory=list)

    def __post_init__(self) -> None:
        ports = {free_port(set())}
        ports.add(free_port(ports))
        temporal_port, ui_port = sorted(ports)
        self.settings = load_settings(
            temporal_port=temporal_port, ui_port=ui_port, api_port=0, metrics_port=0, payload_keys=None,
            temporal_address=f"127.0.0.1:{temporal_port}", task_queue=f"faults-{uuid.uuid4().hex[:8]}",
        )  # fmt: skip

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.settings.temporal_port}"

    # -- Temporal ---------------------------------------------------------------------
    async def start_temporal(self) -> None:
        self.temporal = start_temporal(self.settings, self.directory)
        await wait_for_temporal(self.address, self.temporal, timeout=60)

    def kill_temporal(self) -> None:
        self.temporal.kill()
        self.temporal.wait()

    # -- PostgreSQL -------------------------------------------------------------------
    async def start_postgres(self) -> None:
        base = self.directory / "pg"
        base.mkdir(exist_ok=True)
        for path in (self.directory, base):
            path.chmod(0o755)  # as root, embedded-postgres runs the server as a user of its own
        self.postgres = await asyncio.to_thread(start_embedded_postgres, base / "data", cleanup="delete")
        self.database_url = await create_migrated_database(self.postgres, "faults")

    async def stop_postgres_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every backend ends at once, no checkpoint, as in a crash."""
        from embedded_postgres._commands import pg_ctl

        await asyncio.to_thread(
            pg_ctl, ["-w", "stop", "-m", "immediate"], pgdata=self.postgres.pgdata, user=self.postgres.system_user
        )

    async def restart_postgres(self) -> None:
        """Start again on the same data (crash recovery first) and socket."""
        await asyncio.to_thread(self.postgres.ensure_postgres_running)

    # -- partners ---------------------------------------------------------------------
    async def start_partners(self) -> None:
        self.partners = self._spawn(["-m", "faults.partnerproc", SECRET], "partners")
        line = await asyncio.wait_for(asyncio.to_thread(self.partners.stdout.readline), 30)
        if not line.startswith("ready "):
            raise RuntimeError(f"the partners did not start: {line!r}")
        ports = json.loads(line.removeprefix("ready "))
        self.http_port, self.smtp_port = ports["http"], ports["smtp"]
        (self.directory / "partners.toml").write_text(partner_directory(self.http_port))
        (self.directory / "policy.toml").write_text(POLICY)

    # -- workers ----------------------------------------------------------------------
    def worker_environment(self) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "TEMPORAL_")) or k in PASSED}
        environment.update({
            "TEMPORAL_ADDRESS": self.address,
            "TRYGG_TASK_QUEUE": self.settings.task_queue,
            "DATABASE_URL": self.database_url,
            "TRYGG_PARTNERS_FILE": str(self.directory / "partners.toml"),
            "TRYGG_POLICY_FILE": str(self.directory / "policy.toml"),
            "TRYGG_SMTP_HOST": "127.0.0.1",
            "TRYGG_SMTP_PORT": str(self.smtp_port),
            "TRYGG_MAIL_FROM": "trygghet@bostadsbolaget.example",
            "TRYGG_METRICS_PORT": "0",
            "TRYGG_LOG_LEVEL": "WARNING",  # the register's lost-turn lines are counted (faults/run.py)
            "TRYGG_GRACEFUL_SHUTDOWN_SECONDS": "2",
        })  # fmt: skip
        return environment

    async def start_worker(self, name: str, timeout: float = 90.0) -> None:
        process = self._spawn(["-m", "faults.workerproc", str(self.directory)], f"worker-{name}", self.worker_environment())
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout)
        if line.strip() != "ready":
            process.kill()
            raise RuntimeError(f"worker {name} did not start: {line!r}; see {self.directory}/worker-{name}.log")
        self.workers[name] = process

    def kill_worker(self, name: str) -> None:
        process = self.workers.pop(name)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        process.wait()

    def reap_worker(self, name: str) -> bool:
        """True when the worker has exited (it crashed itself); forget it then."""
        process = self.workers.get(name)
        if process is not None and process.poll() is not None:
            del self.workers[name]
            return True
        return False

    # -- all --------------------------------------------------------------------------
    def _spawn(self, arguments: list[str], name: str, environment: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.directory / f"{name}.log").open("ab")
        self._logs.append(log)
        return subprocess.Popen(
            [sys.executable, *arguments], cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
            env=environment, preexec_fn=_die_with_parent,
        )  # fmt: skip

    async def stop(self) -> None:
        for name in list(self.workers):
            stop_process(self.workers.pop(name), timeout=10)
        if self.partners is not None:
            stop_process(self.partners, timeout=5)
        if self.temporal is not None:
            stop_process(self.temporal)
        if self.postgres is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(stop_embedded_postgres, self.postgres)
        for log in self._logs:
            log.close()
