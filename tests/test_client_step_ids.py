"""A step whose answer is lost is neither a traceback nor a second step: the client sends
every step under one Update id from its first attempt, asks for that Update's outcome
when the answer does not come, and says plainly when the outcome is not known yet."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import typer

from client import OutcomeUnknown, TryggClient
from client.errors import InvalidInput
from console.session import run
from domain.records import ActivityName
from domain.state import CaseStage
from tests.helpers import eventually
from tests.standins import COORDINATOR, StandIns, case_policy, case_worker, file_report, report, tenancy


def _client(env_client, queue: str, seconds: float = 1.0) -> TryggClient:
    return TryggClient(env_client, task_queue=queue, policy=case_policy(), step_timeout=timedelta(seconds=seconds))


async def _opened(standins: StandIns) -> None:
    async def notices_sent():
        assert standins.of(ActivityName.SEND_NOTICE) or standins.of(ActivityName.OPEN_STAFF_TASK)

    await eventually(notices_sent)


async def test_a_step_whose_answer_is_lost_is_taken_once_under_its_step_id(local_env):
    # On the dev server: a step held in flight by the register, with real RPC deadlines.
    client, standins = local_env.client, StandIns()
    standins.verdict_gate = asyncio.Event()  # the register holds the step's turn
    async with case_worker(client, standins) as queue:
        home = tenancy()
        await file_report(client, queue, report(home))
        trygg = _client(client, queue)
        report_id = (await trygg.view(home.tenancy_id)).reports[0].report_id
        data = {"reason": "seen on the round", "report_id": report_id, "method": "own_observation"}

        with pytest.raises(OutcomeUnknown) as lost:
            await trygg.act(home.tenancy_id, "verify_report", COORDINATOR, data, step_id="step-verify-1")
        assert lost.value.step_id == "step-verify-1"
        assert "--step-id step-verify-1" in str(lost.value) and "never takes it twice" in str(lost.value)

        standins.verdict_gate.set()
        view = await trygg.act(home.tenancy_id, "verify_report", COORDINATOR, data, step_id="step-verify-1")
        assert view.stage is CaseStage.CONTACT
        assert len(standins.of(ActivityName.RECORD_REPORT_VERDICT)) == 1
        assert standins.event_kinds().count("report_verified") == 1


async def test_the_same_step_id_sent_twice_takes_a_repeatable_step_once(local_env):
    client, standins = local_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        await file_report(client, queue, report(home))
        trygg = _client(client, queue, seconds=20)
        await _opened(standins)
        first = await trygg.act(home.tenancy_id, "add_note", COORDINATOR, {"reason": "Called, no answer"}, step_id="note-1")
        again = await trygg.act(home.tenancy_id, "add_note", COORDINATOR, {"reason": "Called, no answer"}, step_id="note-1")
        other = await trygg.act(home.tenancy_id, "add_note", COORDINATOR, {"reason": "Called, no answer"})
        assert (first.notes, again.notes, other.notes) == (1, 1, 2)
        assert standins.event_kinds().count("note") == 2


async def test_a_step_id_that_is_no_id_is_refused_before_anything_is_sent(time_env):
    trygg = TryggClient(time_env.client, task_queue="unused", policy=case_policy())
    with pytest.raises(InvalidInput, match="step_id"):
        await trygg.act("T-1", "add_note", COORDINATOR, {"reason": "x"}, step_id="two words")


def test_an_unknown_outcome_is_one_line_and_its_own_exit_code(capsys):
    async def lost():
        raise OutcomeUnknown("T-1001", "add_note", "step-abc")

    with pytest.raises(typer.Exit) as exited:
        run(lost)
    assert exited.value.exit_code == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("trygg: the outcome of 'add_note' on T-1001 is not known yet")
