"""The simulator is the engine: simulated cases replayed as real workflows end alike.

A small seeded run keeps every case's inputs; a sample of its cases (the furthest up the
ladder first) is replayed on the time-skipping server with the same reports, steps and
acknowledgements at the same moments, the partner channel answering each notice as the
simulation drew it. Each must end in the same stage and outcome with the same events,
tasks and notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio import activity

from domain.policy import EscalationPolicy
from domain.records import ActivityName, NoticeOutcome, NoticeRequest
from simulator.conformance import Replay, expected, notice_outcomes, observed, sample
from simulator.engine import Engine
from simulator.recorder import simulated_delivery
from simulator.scenario import Sourced, load_scenario
from tests.standins import StandIns, case_worker


class SimulatedChannel(StandIns):
    """The stand-in partner channel, answering each notice as the simulation drew it."""

    def __init__(self, outcomes: dict[tuple[str, str], bool], **kwargs) -> None:
        super().__init__(**kwargs)
        self.outcomes = outcomes
        self.requests: list[NoticeRequest] = []

    @activity.defn(name=ActivityName.SEND_NOTICE)
    async def send_notice(self, request: NoticeRequest) -> NoticeOutcome:
        self.requests.append(request)
        return simulated_delivery(self.outcomes, request)


SEEDS = range(7, 47)
"""Seeds tried in turn for a sample that climbs the ladder. The run starts at the test
server's clock, so today's calendar shapes it: from some start days no case of seed 7
reached the prevention track's milestone within six months (2026-12-01, CI). Over a year
of start days (every fifth day) a seed of 7 to 17 always climbs; forty are tried."""


def climbing_sample(policy: EscalationPolicy, begin, rungs: set[str]):
    """A simulated run from `begin` and a sample of 10 of its cases that reaches every rung."""
    scenario = load_scenario().model_copy(update={"warmup_months": Sourced[int](value=0, assumption=True)})
    for seed in SEEDS:
        engine = Engine(scenario, policy, homes=5000, months=6, seed=seed, begin=begin, keep_inputs=True)
        engine.run()
        runs = sample(engine, 10)
        if rungs <= {k for r in runs for k in r.tally["events"]}:
            return engine, runs
    pytest.fail(f"no seed in {SEEDS} gives a sample that climbs the ladder from {begin:%Y-%m-%d %H:%M}")


@pytest.mark.parametrize(
    ("policy", "rungs"),
    [
        (EscalationPolicy(), {"warning_issued", "prevention_started", "milestone", "report_rejected"}),
        (EscalationPolicy(version="sim-approval", warning_needs_team_lead_approval=True), {"warning_proposed", "warning_issued"}),
    ],
    ids=["default", "team-lead-approves-warnings"],
)
async def test_sampled_simulated_cases_end_alike_as_real_workflows(time_env, policy, rungs):
    begin = await time_env.get_current_time() + timedelta(minutes=5)
    engine, runs = climbing_sample(policy, begin, rungs)

    channel = SimulatedChannel(notice_outcomes(runs), policy=engine.policy)
    async with case_worker(time_env.client, channel) as queue:
        replay = Replay(time_env, queue, engine, runs)
        await replay.run()

    for run in runs:
        real = replay.case_ids[run.state.case_id]
        assert observed(channel.calls, channel.requests, real) == expected(run), run.state.case_id
