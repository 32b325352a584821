"""The one redaction rule (domain/redaction.py), read by read and role by role: `trygg
show`, `trygg history`, the access export, the case view and the codec server each show
a role exactly what it may see, and no more.

One case on the real stack (dev server, the worker with the real activities, embedded
PostgreSQL) holds one value of every kind of personal data; each read is searched for
each value, and what is found must be exactly what that read holds of the kinds the role
may see.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter

from api.codec import CODEC_ROLES
from client import TryggClient
from domain.models import Actor, Complainant, DisturbanceReport, Role, SourceKind, TenancyRef
from domain.redaction import DataKind, visible_kinds
from register.export import export_tenancy
from runtime.codec import EncryptionCodec, new_key_setting
from tests.console_harness import trygg_with_worker
from tests.helpers import eventually, unique
from tests.signin import TestIssuer
from tests.standins import case_policy

ISSUER = TestIssuer()

pytestmark = pytest.mark.slow

ADDRESS = "Rosengatan 9 C, 582 30 Linköping"
TENANT_NAME = "Tora Hyresgästsson"
TENANT_ID = "tenant-4711"
PLACE = "trapphus vid hiss tre"
REASON = "hörde det själv på kvällsrundan"
NOTE = "ringde förvaltaren om saken"
ACTOR_ID = "anna.s"
ASSIGNEE = "karin.l"
COMPLAINANT_MARK = '"complainant": "redacted"'
COMPLAINANT_NAME = "Hemlig Granne"

VALUES: dict[DataKind, tuple[str, ...]] = {
    DataKind.TENANT: (ADDRESS, TENANT_NAME, TENANT_ID),
    DataKind.FREE_TEXT: (PLACE, REASON, NOTE),
    DataKind.STAFF_IDS: (ACTOR_ID, ASSIGNEE),
    DataKind.EXTERNAL_REF: (),  # the case's own ref, filled in per case below
    DataKind.COMPLAINANT: (COMPLAINANT_MARK,),
}

OWNERS = {Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD}
CASE_WORK = OWNERS | {Role.TENANCY_LAWYER, Role.PREVENTION_TEAM, Role.FIRE_SAFETY_OFFICER}
EXPECTED_KINDS: dict[Role, set[DataKind]] = {
    role: (
        {DataKind.CODES}
        | ({DataKind.TENANT, DataKind.FREE_TEXT, DataKind.STAFF_IDS} if role in CASE_WORK else set())
        | ({DataKind.EXTERNAL_REF, DataKind.COMPLAINANT} if role in OWNERS else set())
    )
    for role in Role
}
"""The rule as the README states it, written out again here so a change to one is caught by the other."""


def test_the_rule_is_the_one_the_readme_states():
    assert {role: set(visible_kinds(role)) for role in Role} == EXPECTED_KINDS
    assert visible_kinds(None) == {DataKind.CODES}, "a reader whose role is unknown reads codes only"


def found(text: str, values: dict[DataKind, tuple[str, ...]]) -> dict[DataKind, set[str]]:
    return {kind: {v for v in vs if v in text} for kind, vs in values.items()}


def expected(role: Role | None, holds: dict[DataKind, set[str]]) -> dict[DataKind, set[str]]:
    allowed = EXPECTED_KINDS[role] if role is not None else {DataKind.CODES}
    return {kind: (vs if kind in allowed else set()) for kind, vs in holds.items()}


def as_text(value) -> str:
    """Pretty JSON (", " and ": " separators), the way --json prints it."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.dumps(value, ensure_ascii=False, indent=2).replace(",\n", ", ").replace(":  ", ": ")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def one_case(local_env, pg_pool, database_url, tmp_path_factory):
    """A case with a value of every kind: the tenants and their address, the case system's
    ref, a place, a reason and a note, staff ids, and a complainant."""
    async with trygg_with_worker(local_env, pg_pool, database_url, tmp_path_factory.mktemp("cli")) as cli:
        client = TryggClient(local_env.client, task_queue=cli.env["TRYGG_TASK_QUEUE"], policy=case_policy(), pool=pg_pool)
        tenancy = unique("T")
        ref = f"{tenancy}-ref"
        report = DisturbanceReport(
            external_ref=ref, source_kind=SourceKind.NEIGHBOUR, category="noise",
            occurred_at=datetime.now(UTC) - timedelta(hours=2), place=PLACE,
            tenancy=TenancyRef(tenancy_id=tenancy, property_id="P-1", area="Ryd", address=ADDRESS,
                               tenant_names=(TENANT_NAME,), tenant_ids=(TENANT_ID,)),
            complainant=Complainant(person_id="p-77", name=COMPLAINANT_NAME, contact="granne@example.se"),
        )  # fmt: skip
        receipt = await client.report(report)
        assert receipt.report_id and not receipt.duplicate
        actor = Actor(id=ACTOR_ID, role=Role.COORDINATOR)
        await client.act(tenancy, "assign", actor, {"reason": "min tur", "assignee": ASSIGNEE})
        await client.act(tenancy, "verify_report", actor,
                         {"reason": REASON, "report_id": receipt.report_id, "method": "own_observation"})  # fmt: skip
        await client.act(tenancy, "add_note", actor, {"reason": NOTE})

        async def in_the_register():
            kinds = await pg_pool.fetch("SELECT kind FROM case_events WHERE case_id = $1", receipt.case_id)
            assert "note" in [k["kind"] for k in kinds]

        await eventually(in_the_register, timeout=20)
        yield cli, client, tenancy, ref


READERS: list[Role | None] = [None, *Role]


async def test_the_case_view_shows_each_role_exactly_what_it_may_see(one_case):
    _, client, tenancy, ref = one_case
    holds = {**found("", VALUES), DataKind.EXTERNAL_REF: {ref}, DataKind.STAFF_IDS: {ASSIGNEE}}
    for role in READERS:
        text = as_text(await client.view(tenancy, role))
        assert found(text, {**VALUES, DataKind.EXTERNAL_REF: (ref,)}) == expected(role, holds), role
        assert COMPLAINANT_NAME not in text


async def test_history_shows_each_role_exactly_what_it_may_see(one_case):
    _, client, tenancy, ref = one_case
    values = {**VALUES, DataKind.EXTERNAL_REF: (ref,)}
    holds = {kind: set(vs) for kind, vs in values.items()}
    for role in READERS:
        timeline = await client.history(tenancy, role)
        text = as_text(timeline)
        assert found(text, values) == expected(role, holds), role
        assert COMPLAINANT_NAME not in text
        [step] = [e for e in timeline.entries if e.kind == "step:verify_report"]
        assert step.actor == ("coordinator:anna.s" if role in CASE_WORK else "coordinator")


async def test_the_access_export_shows_each_role_exactly_what_it_may_see(one_case, pg_pool):
    _, _, tenancy, ref = one_case
    values = {**VALUES, DataKind.EXTERNAL_REF: (ref,)}
    # The register keeps no tenant names or address: the export cannot hold them.
    holds = {kind: set(vs) for kind, vs in values.items()} | {DataKind.TENANT: {TENANT_ID}}
    for role in READERS:
        text = as_text(await export_tenancy(pg_pool, tenancy, role=role))
        assert found(text, values) == expected(role, holds), role
        assert COMPLAINANT_NAME not in text and "granne@example.se" not in text


async def test_trygg_show_and_history_on_the_console_cut_by_role(one_case):
    cli, _, tenancy, ref = one_case
    values = {**VALUES, DataKind.EXTERNAL_REF: (ref,)}
    show_holds = {**found("", VALUES), DataKind.EXTERNAL_REF: {ref}, DataKind.STAFF_IDS: {ASSIGNEE}}
    history_holds = {kind: set(vs) for kind, vs in values.items()}

    async def read(role: Role | None):
        flag = ("--role", role.value) if role is not None else ()
        show, history = await asyncio.gather(cli("show", tenancy, *flag, "--json"), cli("history", tenancy, *flag, "--json"))
        assert show.code == 0 and history.code == 0, show.err + history.err
        return role, as_text(show.json()), as_text(history.json())

    for batch in (READERS[:5], READERS[5:]):
        for role, show, history in await asyncio.gather(*(read(r) for r in batch)):
            assert found(show, values) == expected(role, show_holds), ("show", role)
            assert found(history, values) == expected(role, history_holds), ("history", role)
            assert COMPLAINANT_NAME not in show + history


# -- the codec server for Temporal's Web UI ------------------------------------------------------

UI = "http://localhost:8233"


def report_payload():
    report = DisturbanceReport(
        external_ref="CS-9", source_kind=SourceKind.NEIGHBOUR, category="noise", occurred_at=datetime.now(UTC),
        place=PLACE, tenancy=TenancyRef(tenancy_id="T-9", property_id="P-9", area="Ryd", address=ADDRESS,
                                        tenant_names=(TENANT_NAME,)),
        complainant=Complainant(name=COMPLAINANT_NAME),
    )  # fmt: skip
    return pydantic_data_converter.payload_converter.to_payloads([report])[0]


def codec_api(codec: EncryptionCodec):
    from api.staff import create_staff_app
    from api.tokens import TokenVerifier
    from runtime.identity import DEV_AUDIENCE

    verifier = TokenVerifier(ISSUER.issuer, DEV_AUDIENCE, keys=ISSUER.keys(), refetch_interval=0)
    app = create_staff_app(None, None, verifier, codec=codec, ui_origins=[UI])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trygg-api")


async def decode_as(app_roles: list[str] | None) -> httpx.Response:
    """Decode a sealed report through the codec server, signed in with `app_roles` (None: not signed in)."""
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads

    codec = EncryptionCodec.from_setting(new_key_setting("k1"))
    [sealed] = await codec.encode([report_payload()])
    headers = {"Origin": UI} | ({"Authorization": f"Bearer {ISSUER.token(roles=app_roles)}"} if app_roles is not None else {})
    body = json.loads(json_format.MessageToJson(Payloads(payloads=[sealed])))
    async with codec_api(codec) as api:
        return await api.post("/codec/decode", json=body, headers=headers)


async def decoded_as(role: Role) -> dict:
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads

    from api.principal import app_role

    answer = await decode_as([app_role(role)])
    assert answer.status_code == 200, answer.text
    [payload] = json_format.Parse(answer.text, Payloads()).payloads
    return json.loads(payload.data)


@pytest.mark.parametrize("role", sorted(CODEC_ROLES))
async def test_the_codec_decodes_for_a_signed_in_role_exactly_what_it_may_see(role):
    data = await decoded_as(role)
    kinds = EXPECTED_KINDS[role]
    assert (data["complainant"] is not None) == (DataKind.COMPLAINANT in kinds)
    assert (data["tenancy"]["address"] == ADDRESS) == (DataKind.TENANT in kinds)
    assert (data["tenancy"]["tenant_names"] == [TENANT_NAME]) == (DataKind.TENANT in kinds)
    assert (data["place"] == PLACE) == (DataKind.FREE_TEXT in kinds)
    assert (data["external_ref"] == "CS-9") == (DataKind.EXTERNAL_REF in kinds)
    assert data["category"] == "noise" and data["tenancy"]["tenancy_id"] == "T-9", "codes for everyone"


async def test_the_codec_cuts_the_complainant_out_for_an_operator():
    data = await decoded_as(Role.OPERATOR)
    assert data["complainant"] is None and data["place"] is None and data["external_ref"] is None
    assert data["tenancy"]["address"] is None and data["tenancy"]["tenant_names"] is None
    assert data["category"] == "noise"


@pytest.mark.parametrize(
    ("app_roles", "status"),
    [(None, 401), (["Trygg.CaseSystem"], 403), (["Trygg.AreaManager"], 403), (["Other.App"], 403)],
    ids=["unsigned", "case-system", "area-manager", "unknown-role"],
)
async def test_the_codec_refuses_an_unsigned_request_and_roles_that_read_no_payloads(app_roles, status):
    answer = await decode_as(app_roles)
    assert answer.status_code == status and answer.headers["content-type"] == "application/problem+json"
    assert COMPLAINANT_NAME not in answer.text and ADDRESS not in answer.text
