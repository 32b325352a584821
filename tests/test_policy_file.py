"""The policy file: every key of the model, validated in full, refused by key; the example
file is the defaults, generated from the model so the two cannot drift."""

from __future__ import annotations

from datetime import date

import pytest

from domain.policy import EscalationPolicy
from runtime.policy_file import (
    BUILT_IN,
    EXAMPLE,
    FILE_KEYS,
    PolicyFileError,
    example_policy_toml,
    load_policy,
    parse_policy,
)


def test_the_example_file_is_generated_from_the_model_and_holds_the_defaults():
    assert EXAMPLE.read_text(encoding="utf-8") == example_policy_toml(), (
        "deploy/policy.example.toml is out of date: python -m runtime.policy_file --write-example"
    )
    example = load_policy(EXAMPLE)
    assert example.rules == EscalationPolicy()
    assert example.rules.fingerprint() == EscalationPolicy().fingerprint()
    assert example.from_file == frozenset(FILE_KEYS)  # every key is written out, with its source


def test_every_key_of_the_model_is_in_the_example_with_its_meaning():
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in FILE_KEYS:
        assert f"\n{key} = " in text or f"\n[{key}]" in text, key
    assert "12 kap. 43 §" in text  # the termination window cites the law


def test_a_policy_written_out_reads_back_as_the_same_rules():
    changed = EscalationPolicy(
        version="2027.1",
        first_contact_working_days=5,
        warning_needs_team_lead_approval=True,
        follow_up_checkpoint_weeks=(4, 8),
        extra_non_working_days=(date(2027, 6, 7),),
    )
    again = parse_policy(example_policy_toml(changed), "changed.toml").rules
    assert again == changed and again.fingerprint() == changed.fingerprint()


def test_without_a_file_the_built_in_defaults_apply():
    policy = load_policy(None)
    assert policy.rules == EscalationPolicy() and policy.path is None
    assert policy.source_of("quiet_period_weeks") == BUILT_IN


def test_a_partial_file_keeps_the_defaults_and_says_which_values_are_its_own(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('version = "2027.1"\nfirst_contact_working_days = 5\n[retention]\nnight_reports_days = 30\n')
    policy = load_policy(path)
    assert policy.rules.first_contact_working_days == 5
    assert policy.rules.retention.night_reports_days == 30
    assert policy.rules.retention.closed_case_days == 1095  # the rest of the table keeps its defaults
    assert policy.rules.quiet_period_weeks == 12
    assert policy.source_of("first_contact_working_days") == str(path)
    assert policy.source_of("quiet_period_weeks") == BUILT_IN


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('version = "x"\nquiet_period_weeks = 0\n', "quiet_period_weeks: Input should be greater than or equal to 1"),
        ('version = "x"\nquiet_period_weeks = "twelve"\n', "quiet_period_weeks: Input should be a valid integer"),
        ('version = "x"\n[retention]\nnight_reports_days = -1\n', "retention.night_reports_days:"),
        ('version = "x"\n[acknowledgement_days]\nletter = 5\n', "acknowledgement_days.letter"),
        ('version = "x"\npolice_categories = ["noise", "loud"]\n', "police_categories.1: Input should be"),
        ('version = "x"\nowner_role = "janitor"\n', "owner_role: Input should be"),
        ('version = "x"\nquiet_weeks = 3\n', "quiet_weeks: unknown key"),
        ('version = "x"\n[task_working_days]\nverfy_report = 2\n', "task_working_days.verfy_report: unknown task kind"),
        ('version = "x"\nnon_working_days = [2027-01-01]\n', "non_working_days: not set in a policy file"),
        ("quiet_period_weeks = 10\n", "version: required in a policy file"),
        ('version = "x"\nquiet_period_weeks = \n', "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key_and_the_reason(text, named):
    with pytest.raises(PolicyFileError) as refused:
        parse_policy(text, "/etc/trygg/policy.toml")
    assert named in str(refused.value)
    assert str(refused.value).startswith("policy file /etc/trygg/policy.toml: ")


def test_every_problem_is_named_at_once_and_no_value_is_echoed():
    text = 'version = "x"\nquiet_period_weeks = "s3cret-looking"\nnotice_max_attempts = 0\nfoo = 1\n'
    message = str(pytest.raises(PolicyFileError, parse_policy, text, "p.toml").value)
    assert "quiet_period_weeks" in message and "notice_max_attempts" in message and "foo: unknown key" in message
    assert "s3cret-looking" not in message


def test_an_unreadable_file_is_named(tmp_path):
    with pytest.raises(PolicyFileError, match="cannot read it"):
        load_policy(tmp_path / "missing.toml")


def test_the_worker_builds_the_swedish_calendar_and_adds_the_files_local_days(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('version = "2027.1"\nextra_non_working_days = [2027-06-07]\n')
    in_force = load_policy(path)
    policy = in_force.for_year(2027)
    calendar = policy.calendar()
    assert not calendar.is_working_day(date(2027, 6, 25))  # midsummer eve, from the holidays library
    assert not calendar.is_working_day(date(2027, 6, 7))  # the file's local day
    assert not calendar.is_working_day(date(2030, 12, 24))  # the calendar covers the years after too
    assert policy.calendar_until == date(2030, 12, 31)
    assert policy.fingerprint() == in_force.rules.fingerprint()  # the calendar is not part of the rules
    assert in_force.for_year(2027) is policy  # one object per year, for every case opened in it
