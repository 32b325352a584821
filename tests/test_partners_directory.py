"""The directory loader refuses what must never be configured, naming partner and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.records import NoticeKind
from partners.directory import DirectoryError, load_directory
from tests.partner_servers import directory, mail_partner, webhook_partner

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "partners.example.toml"
EXAMPLE_ENV = {
    "TRYGG_PARTNER_SOCIALTJANSTEN_SECRET": "s" * 32,
    "TRYGG_PARTNER_RADDNINGSTJANSTEN_SECRET": "r" * 32,
    "TRYGG_PARTNER_VAKTBOLAGET_SECRET": "v" * 32,
}


def test_the_shipped_example_loads_and_routes_every_ladder_notice():
    loaded = load_directory(EXAMPLE, environ=EXAMPLE_ENV)
    for kind in NoticeKind:
        if kind is NoticeKind.COMPLAINANT_REPLY:  # to the complainant, from the register
            assert not loaded.recipients(kind, "Skäggetorp")
            continue
        assert loaded.recipients(kind, "Skäggetorp"), f"nobody takes {kind.value}"
    social = loaded.get("socialtjansten")
    assert social.signing_secret() == b"s" * 32


def test_a_secret_env_that_is_not_set_is_refused_naming_partner_and_variable():
    with pytest.raises(DirectoryError, match=r"partner 'socialtjansten'.*TRYGG_PARTNER_SOCIALTJANSTEN_SECRET"):
        load_directory(EXAMPLE, environ={k: v for k, v in EXAMPLE_ENV.items() if "SOCIAL" not in k})


@pytest.mark.parametrize("field", ["complainant", "complainant_name", "Complainant_Contact", "reporter_name", "witnesses"])
def test_a_directory_allowing_complainant_data_is_refused(field):
    with pytest.raises(DirectoryError, match=rf"partner 'soc' .*field 'fields'.*never sent"):
        directory(webhook_partner("soc", "http://x.example/n", fields=["address", field]))


def test_an_unknown_field_is_refused_as_a_probable_typo():
    with pytest.raises(DirectoryError, match=r"partner 'soc' .*'adress' is not a known fact"):
        directory(webhook_partner("soc", "http://x.example/n", notices=("crime_report",), kind="police", fields=["adress"]))


@pytest.mark.parametrize(
    ("kind", "notice", "field"),
    [
        ("fire_and_rescue", "fire_hazard", "tenant_names"),
        ("insurer", "damage_claim", "incidents"),
        ("security_company", "extra_rounds", "warned_at"),
        ("police", "crime_report", "meeting_at"),
        ("area_partnership", "area_picture", "address"),
        ("association", "area_picture", "tenancy_id"),
    ],
)
def test_a_kind_of_partner_cannot_be_given_what_domain_forbids_it(kind, notice, field):
    with pytest.raises(DirectoryError, match=rf"partner 'p1'.*may not receive {field}"):
        directory(webhook_partner("p1", "http://x.example/n", kind=kind, notices=(notice,), fields=["area", field]))


def test_aggregate_partners_take_area_pictures_only_and_nobody_else_does():
    with pytest.raises(DirectoryError, match="aggregates only"):
        directory(mail_partner("a1", "a@x.example", kind="area_partnership", notices=("disturbance_notice",), fields=[]))
    with pytest.raises(DirectoryError, match="area_picture goes to"):
        directory(webhook_partner("soc", "http://x.example/n", notices=("area_picture",), fields=["area"]))


def test_a_partner_taking_a_document_kind_must_allow_the_facts_the_document_needs():
    with pytest.raises(DirectoryError, match=r"partner 'soc'.*termination_notice document needs termination_date"):
        directory(webhook_partner("soc", "http://x.example/n", fields=["tenant_names", "address", "incidents"]))


def test_webhook_without_secret_duplicate_ids_and_bad_address_are_refused():
    no_secret = webhook_partner("soc", "http://x.example/n")
    del no_secret["channel"]["secret"]
    with pytest.raises(DirectoryError, match=r"partner 'soc'.*needs `secret`"):
        directory(no_secret)
    with pytest.raises(DirectoryError, match="appears twice"):
        directory(mail_partner("post", "p@x.example"), mail_partner("post", "q@x.example"))
    with pytest.raises(DirectoryError, match=r"partner 'post' .*field 'channel.address'"):
        directory(mail_partner("post", "not an address"))


def test_a_file_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "partners.toml"
    path.write_text("[[partners]\nid = ", encoding="utf-8")
    with pytest.raises(DirectoryError, match="not valid TOML"):
        load_directory(path, environ={})
