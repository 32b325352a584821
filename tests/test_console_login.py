"""`trygg login --as ROLE:ID` against the dev provider keeps a 0600 token, and the CLI's
HTTP client takes a step and reads the inbox through the API with it, as that person."""

from __future__ import annotations

import stat
import uuid

import httpx
import pytest
import pytest_asyncio
from typer.testing import CliRunner

from client.errors import InvalidInput, StepRefused
from client.token_store import load_token, token_path
from console.login_commands import http_session
from console.main import app
from runtime.settings import load_settings
from tests.api_stack import api_stack
from tests.standins import report, tenancy


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def api(local_env, pg_pool, identity_provider):
    async with api_stack(local_env, pg_pool, identity_provider) as stack:
        yield stack


def login(tmp_path, identity_provider, *args: str):
    env = {"TRYGG_DATA_DIR": str(tmp_path), "TRYGG_IDENTITY_PORT": str(identity_provider.port), "TRYGG_OIDC_ISSUER": None}
    return CliRunner().invoke(app, ["login", *args], env=env)


async def test_login_as_a_dev_staff_member_keeps_a_private_token_and_the_api_takes_their_steps(tmp_path, identity_provider, api):
    result = login(tmp_path, identity_provider, "--as", "coordinator:anna.coordinator")
    assert result.exit_code == 0, result.output
    assert "Signed in as anna.coordinator (Trygg.Coordinator)" in result.output
    path = token_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = load_token(path)
    assert token is not None and token.subject == "anna.coordinator"

    receipt = await api.trygg.report(report(tenancy()))
    settings = load_settings(data_dir=tmp_path, identity_port=identity_provider.port)
    session = http_session(settings)
    session.http = httpx.AsyncClient(transport=api.http._transport, base_url="http://trygg")  # the app in this process
    async with session:
        view = await session.act(receipt.workflow_id, "verify_report",
                                 {"report_id": receipt.report_id, "method": "inspection", "reason": "seen"})  # fmt: skip
        assert view.stage == "contact"
        with pytest.raises(StepRefused) as refused:
            await session.act(receipt.workflow_id, "record_dialogue", {"resolved": True, "reason": "x"})
        assert "not possible while the case is in stage 'contact'" in str(refused.value)
        with pytest.raises(InvalidInput) as invalid:
            await session.act(receipt.workflow_id, "record_contact", {"method": "pigeon"})
        assert sorted(p.split(":")[0] for p in invalid.value.problems) == ["method", "reason"]
        assert (await session.view(receipt.workflow_id)).case_id == view.case_id
        assert (await session.history(receipt.workflow_id)).for_role == "coordinator"
        await session.inbox()


def test_login_as_someone_the_dev_provider_does_not_have_is_refused(tmp_path, identity_provider):
    result = login(tmp_path, identity_provider, "--as", f"team_lead:{uuid.uuid4().hex[:6]}")
    assert result.exit_code == 2 and "team_lead:lena.lead" in result.output
    assert not token_path(tmp_path).exists()


def test_logout_forgets_the_token(tmp_path, identity_provider):
    assert login(tmp_path, identity_provider, "--as", "operator:olle.operator").exit_code == 0
    result = CliRunner().invoke(app, ["logout"], env={"TRYGG_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0 and "Signed out." in result.output and not token_path(tmp_path).exists()
