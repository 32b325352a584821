"""The policy simulator (simulator/): reproducible, fair between policies, calibrated
within the published figures its default scenario cites, and usable from `trygg simulate`.
Pure runs of the real ladder: no Temporal here (the conformance replay is in
test_simulator_conformance.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from domain.policy import EscalationPolicy
from simulator.run import Candidate, simulate
from simulator.scenario import DEFAULT_SCENARIO, ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def _run(*candidates: Candidate, homes: int = 6000, months: int = 4, seed: int = 11) -> list[dict]:
    report = simulate(list(candidates), load_scenario(), homes=homes, months=months, seed=seed)
    return [p["figures"] for p in report["policies"]]


def test_a_seeded_run_is_reproducible_to_the_number():
    default = Candidate("A", EscalationPolicy())
    first = simulate([default], load_scenario(), homes=6000, months=4, seed=11)
    again = simulate([default], load_scenario(), homes=6000, months=4, seed=11)
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    other = simulate([default], load_scenario(), homes=6000, months=4, seed=12)
    assert other["policies"][0]["figures"]["reports"] != first["policies"][0]["figures"]["reports"]


def test_a_policy_changing_only_first_contact_moves_first_contact_figures_and_not_the_world():
    three, five = _run(
        Candidate("3 days", EscalationPolicy(version="fc-3", first_contact_working_days=3)),
        Candidate("5 days", EscalationPolicy(version="fc-5", first_contact_working_days=5)),
        homes=20000,
        months=6,
    )
    assert three["deadlines"]["first_contacts_past_due"] > 0
    assert five["deadlines"]["first_contacts_past_due"] < three["deadlines"]["first_contacts_past_due"]
    assert five["deadlines"]["tasks_past_due_by_kind"].get("first_contact", 0) < three["deadlines"]["tasks_past_due_by_kind"]["first_contact"]
    # What the policy cannot touch: the disturbances that arrive, what they are, who is on staff.
    for key in ("disturbances_arrived", "first_reports_founded", "first_report_categories"):
        assert five["reports"][key] == three["reports"][key], key
    assert {r: s["headcount"] for r, s in five["staff"].items()} == {r: s["headcount"] for r, s in three["staff"].items()}
    assert five["deadlines"]["mean_working_days_to_first_contact"] > three["deadlines"]["mean_working_days_to_first_contact"]


def test_the_default_scenario_stays_within_the_published_ranges_it_cites():
    scenario = load_scenario()
    (figures,) = _run(Candidate("default", EscalationPolicy()), homes=60000, months=12, seed=1)
    patrol = scenario.arrivals.published_night_patrol_calls_per_88000_homes_per_night
    assert patrol.source and "88,000" in patrol.source
    assert patrol.value.low <= figures["reports"]["night_patrol_per_88000_homes_per_night"] <= patrol.value.high
    evictions = scenario.behaviour.published_evictions_other_than_rent_per_1000_homes_per_year
    assert evictions.source and "3,042" in evictions.source
    assert evictions.value.low <= figures["cases"]["evictions_per_1000_homes_per_year"] <= evictions.value.high
    assert figures["cases"]["reached"]["warning"] > figures["cases"]["reached"]["termination"] > 0


def test_every_default_scenario_value_names_a_source_or_says_it_is_an_assumption():
    values = load_scenario().sources()
    assert values and all(bool(v["source"]) != v["assumption"] for v in values)


def test_a_scenario_value_without_source_or_assumption_is_refused_naming_the_key(tmp_path):
    text = DEFAULT_SCENARIO.read_text(encoding="utf-8").replace(
        "[behaviour.consent_given]\nvalue = 0.8\nassumption = true", "[behaviour.consent_given]\nvalue = 0.8"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"behaviour\.consent_given: .*source or assumption"):
        load_scenario(bad)


def test_trygg_simulate_compares_two_policy_files_and_writes_the_report(tmp_path):
    (tmp_path / "a.toml").write_text('version = "fc-3"\nfirst_contact_working_days = 3\n')
    (tmp_path / "b.toml").write_text('version = "fc-5"\nfirst_contact_working_days = 5\n')
    out = tmp_path / "report"
    args = ["--homes", "3000", "--months", "2", "--seed", "5", "--policy", str(tmp_path / "a.toml"),
            "--compare", str(tmp_path / "b.toml")]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "console.main", "simulate", *args, "--json", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert [p["version"] for p in printed["policies"]] == ["fc-3", "fc-5"]
    assert json.loads((out / "report.json").read_text()) == printed
    page = (out / "report.html").read_text()
    for chart in ("staff_hours", "backlog", "stages", "reached", "notices", "deadlines"):
        assert (out / f"{chart}.png").stat().st_size > 0 and (out / f"{chart}.svg").stat().st_size > 0
        assert f"src='{chart}.png'" in page
    assert page.count("<table>") >= 7 and "Störningsjouren" in page

    text = subprocess.run([sys.executable, "-m", "console.main", "simulate", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert text.returncode == 0 and "first contacts past due" in text.stdout and "A: fc-3" in text.stdout


def test_trygg_simulate_refuses_a_bad_policy_file_naming_the_key(tmp_path):
    (tmp_path / "bad.toml").write_text('version = "x"\nfirst_contact_working_days = 0\n')
    done = subprocess.run([sys.executable, "-m", "console.main", "simulate", "--policy", str(tmp_path / "bad.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "first_contact_working_days" in done.stderr


def test_short_staff_shows_as_deadlines_missed_for_lack_of_staff():
    scenario = load_scenario()
    staff = scenario.staff
    headcount = staff.headcount_per_team.model_copy(update={"value": {**staff.headcount_per_team.value, "coordinator": 1}})
    short = scenario.model_copy(update={"staff": staff.model_copy(update={"headcount_per_team": headcount})})
    policy = [Candidate("default", EscalationPolicy())]
    full = simulate(policy, scenario, homes=20000, months=4, seed=3)["policies"][0]["figures"]
    few = simulate(policy, short, homes=20000, months=4, seed=3)["policies"][0]["figures"]
    assert few["staff"]["coordinator"]["headcount"] < full["staff"]["coordinator"]["headcount"]
    assert few["deadlines"]["tasks_late_for_lack_of_staff"] > full["deadlines"]["tasks_late_for_lack_of_staff"]
    assert few["deadlines"]["first_contacts_past_due"] > full["deadlines"]["first_contacts_past_due"]
    assert few["staff"]["coordinator"]["utilisation"] > full["staff"]["coordinator"]["utilisation"]


def test_trygg_simulate_conformance_replays_a_sample_as_real_workflows(tmp_path):
    (tmp_path / "a.toml").write_text('version = "conf-1"\n')
    done = subprocess.run(
        [sys.executable, "-m", "console.main", "simulate", "--homes", "4000", "--months", "3", "--seed", "7",
         "--policy", str(tmp_path / "a.toml"), "--conformance", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "conformance: 5 of 5 cases replayed as workflows ended alike" in done.stderr
