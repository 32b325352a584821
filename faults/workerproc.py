"""One production worker of the fault suite, in a process of its own so it can be killed.

`python -m faults.workerproc FAULT_DIR` runs `worker.run_worker` as `trygg worker` does,
with its settings from the environment the suite sets, prints `ready` once it polls, and
adds one fault: when the file `FAULT_DIR/crash-after-send` exists at the moment a notice
has been delivered and is about to be recorded, the worker that removes it writes the
notice and partner to `FAULT_DIR/crashed-after-send` and kills itself with SIGKILL: the
crash between sending a notice and recording it. Only one worker can remove the file, so
one crash per arming.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ARMED = "crash-after-send"
CRASHED = "crashed-after-send"


def crash_hook(fault_dir: Path):
    def after_send(notice_id: str, partner_id: str) -> None:
        try:
            (fault_dir / ARMED).unlink()
        except FileNotFoundError:
            return
        (fault_dir / CRASHED).write_text(f"{notice_id}\n{partner_id}\n")
        os.kill(os.getpid(), signal.SIGKILL)

    return after_send


def main() -> None:
    fault_dir = Path(sys.argv[1])
    import worker
    from activities.notify import NotificationActivities
    from runtime.logging import configure_logging
    from runtime.process import exit_now
    from runtime.settings import load_settings

    real_build = worker.build_activities

    def build_with_hook(pool, settings, policy=None, **extra):
        built = real_build(pool, settings, policy, **extra)
        for function in built.functions:
            owner = getattr(function, "__self__", None)
            if isinstance(owner, NotificationActivities):
                owner._after_send = crash_hook(fault_dir)  # the class's own test seam
        return built

    worker.build_activities = build_with_hook
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)

    async def run() -> None:
        ready = asyncio.Event()
        serving = asyncio.create_task(worker.run_worker(settings, database_url=settings.database_url, ready=ready))
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if ready.is_set():
            print("ready", flush=True)
        await serving

    asyncio.run(run())
    exit_now(0)


if __name__ == "__main__":
    main()
