"""File a report and verify it, from Python, with nothing but Trygg's settings.

Run it beside `make dev` (it finds the dev stack's payload key and register by itself),
or with TEMPORAL_ADDRESS, TRYGG_TASK_QUEUE and TRYGG_PAYLOAD_KEYS set for a real cluster:

    .venv/bin/python examples/file_and_verify.py T-1001 CS-77
"""

import asyncio
import sys
from datetime import datetime, timezone

from client import TryggClient
from domain.models import Actor, Role
from runtime.settings import load_settings


async def main(tenancy_id: str, ref: str) -> None:
    async with TryggClient.connect(load_settings(), register=True) as client:
        report = TryggClient.parse_report(
            {
                "external_ref": ref,
                "source_kind": "neighbour",
                "category": "noise",
                "severity": "normal",
                "occurred_at": datetime.now(timezone.utc).isoformat(),
                "place": "stairwell B",
                "tenancy": {"tenancy_id": tenancy_id, "property_id": "P-12", "area": "Ryd"},
                "complainant": {"name": "kept in the register only"},
            }
        )
        receipt = await client.report(report)  # encrypted on the way in, like the worker's own payloads
        print("filed", receipt.report_id, "on case", receipt.case_id)

        coordinator = Actor(id="anna.s", role=Role.COORDINATOR)
        view = await client.act(
            receipt.case_id,  # any id Trygg prints names the case
            "verify_report",
            coordinator,
            {"reason": "Heard it on the evening round", "report_id": ref, "method": "own_observation"},
        )  # the report named by the case system's ref; the encrypted answer is read back
        print("stage now", view.stage, "; next:", ", ".join(view.allowed_steps))

        for task in await client.inbox(role=Role.COORDINATOR):  # the register, no Temporal needed
            if task.case_id == receipt.case_id:
                print("task", task.task_id, task.kind, "due", task.due_at.isoformat())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
