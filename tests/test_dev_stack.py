"""`trygg dev` as a user runs it: one process tree that comes up, runs a case end to end,
stops cleanly on Ctrl-C, and finds the case again on the next start."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import psutil
import pytest

from tests.console_harness import ROOT, Trygg, report_json
from tests.helpers import unique

pytestmark = pytest.mark.slow
READY_LINE = "Trygg is up."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dev_environment(data_dir: Path) -> dict[str, str]:
    temporal_port = free_port()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TRYGG_", "DATABASE_URL"))},
        "TRYGG_DATA_DIR": str(data_dir),
        "TRYGG_TEMPORAL_PORT": str(temporal_port),
        "TRYGG_UI_PORT": str(free_port()),
        "TRYGG_API_PORT": str(free_port()),
        "TRYGG_TEMPORAL_HTTP_PORT": str(free_port()),
        "TRYGG_TEMPORAL_METRICS_PORT": str(free_port()),
        "TRYGG_PARTNER_API_PORT": str(free_port()),
        "TRYGG_IDENTITY_PORT": str(free_port()),
        "TRYGG_METRICS_PORT": "0",
        "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
    }


class DevProcess:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.args = args
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self.ready: dict | None = None

    async def start(self, *, ready_within: float = 60.0) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "console.main", "dev", *self.args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        await asyncio.wait_for(self._until_ready(), ready_within)

    async def _until_ready(self) -> None:
        while True:
            line = await self.process.stdout.readline()
            if not line:
                raise AssertionError("trygg dev exited before it was ready:\n" + "".join(self.output))
            self.output.append(line.decode())
            text = line.decode().strip()
            if text.startswith("{") and json.loads(text).get("ready"):
                self.ready = json.loads(text)
            if text == READY_LINE or self.ready:
                asyncio.create_task(self._drain())
                return

    async def _drain(self) -> None:
        while line := await self.process.stdout.readline():
            self.output.append(line.decode())

    async def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return await asyncio.wait_for(self.process.wait(), 60)


async def files_a_report_over_http_with_the_printed_token(output: str, env: dict[str, str]) -> None:
    """What `trygg dev` prints is enough: its curl gets a case system a token from the
    local provider, and the API on TRYGG_API_PORT takes a report with it."""
    import shlex

    import httpx

    (curl,) = [line.strip() for line in output.splitlines() if line.strip().startswith("curl ")]
    words = shlex.split(curl)
    client_id, secret = words[words.index("-u") + 1].split(":")
    async with httpx.AsyncClient() as http:
        token = (await http.post(words[-1], data={"grant_type": "client_credentials"}, auth=(client_id, secret))).json()
        answer = await http.post(
            f"http://localhost:{env['TRYGG_API_PORT']}/v1/reports", json=report_json(unique("T"), "CS-HTTP"),
            headers={"Authorization": f"Bearer {token['access_token']}", "Idempotency-Key": "dev-1"},
        )  # fmt: skip
    assert answer.status_code == 201, answer.text


async def the_staff_app_sends_a_browser_to_sign_in(env: dict[str, str]) -> None:
    """The staff listener's front door is the web app, which asks a browser to sign in at
    the local provider, where a staff member per role is offered."""
    import httpx

    async with httpx.AsyncClient(follow_redirects=True) as browser:
        page = await browser.get(f"http://localhost:{env['TRYGG_API_PORT']}/")
    assert page.status_code == 200 and f":{env['TRYGG_IDENTITY_PORT']}/oauth2/authorize" in str(page.url)
    assert "anna.coordinator" in page.text and "lena.lead" in page.text


def processes_using(data_dir: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if str(data_dir) in command:
            found.append(command)
    return found


async def test_trygg_dev_runs_a_case_stops_cleanly_and_finds_it_again(tmp_path):
    data_dir = tmp_path / "state"
    env = dev_environment(data_dir)
    trygg = Trygg(env)
    tenancy = unique("T")

    dev = DevProcess(env)
    await dev.start()
    output = "".join(dev.output)
    assert f"Web UI: http://localhost:{env['TRYGG_UI_PORT']}" in output
    assert f"Temporal HTTP API: http://127.0.0.1:{env['TRYGG_TEMPORAL_HTTP_PORT']}" in output
    assert f"metrics: http://127.0.0.1:{env['TRYGG_TEMPORAL_METRICS_PORT']}/metrics" in output
    await files_a_report_over_http_with_the_printed_token(output, env)
    await the_staff_app_sends_a_browser_to_sign_in(env)

    filed = await trygg("report", "-", "--json", stdin=json.dumps(report_json(tenancy, "CS-1")))
    assert filed.code == 0, filed.err
    receipt = filed.json()
    assert receipt["report_id"] and not receipt["duplicate"], "the worker inside trygg dev recorded the report"
    closed = await trygg("act", tenancy, "reject_report", "--as", "coordinator:anna.s", "--reason", "unfounded",
                         "--data", json.dumps({"report_id": receipt["report_id"]}), "--json")  # fmt: skip
    assert closed.code == 0, closed.err
    assert closed.json()["stage"] == "closed" and closed.json()["outcome"] == "unfounded"
    inbox = await trygg("inbox", "--json")
    assert inbox.code == 0, inbox.err  # the console found the embedded register by itself

    # Signed in, the same CLI goes through the API as that person, and --as is refused.
    signed = await trygg("login", "--as", "coordinator:anna.coordinator")
    assert signed.code == 0, signed.err
    other = unique("T")
    second = (await trygg("report", "-", "--json", stdin=json.dumps(report_json(other, "CS-2")))).json()
    verified = await trygg("act", other, "verify_report", "--report", "latest", "--reason", "seen",
                           "--data", json.dumps({"method": "inspection"}), "--json")  # fmt: skip
    assert verified.code == 0, verified.err
    assert verified.json()["stage"] == "contact"
    trail = await trygg("history", other, "--json")
    assert trail.code == 0, trail.err
    assert [e["actor"] for e in trail.json()["entries"] if e["kind"] == "step:verify_report"] == ["coordinator:anna.coordinator"]
    named = await trygg("act", other, "add_note", "--as", "coordinator:someone", "--reason", "x")
    assert named.code == 2 and "signed in" in named.err
    assert (await trygg("logout")).code == 0
    assert second["report_id"]

    assert await dev.interrupt() == 0, "".join(dev.output)
    assert "Trygg stopped." in "".join(dev.output)
    await asyncio.sleep(0.5)
    assert processes_using(data_dir) == []

    again = DevProcess(env)
    await again.start()
    try:
        history = await trygg("history", tenancy, "--json")
        assert history.code == 0, history.err
        kinds = [e["kind"] for e in history.json()["entries"]]
        assert "report:file_report" in kinds and "step:reject_report" in kinds and "case_closed" in kinds

        second = DevProcess(env)
        with pytest.raises(AssertionError, match="already running"):
            await second.start()
        assert await second.process.wait() == 1
    finally:
        assert await again.interrupt() == 0
    await asyncio.sleep(0.5)
    assert processes_using(data_dir) == []


async def test_a_port_in_use_gives_a_clear_message(tmp_path):
    env = dev_environment(tmp_path / "state")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(env["TRYGG_UI_PORT"])))
        squatter.listen()
        dev = DevProcess(env)
        with pytest.raises(AssertionError) as failed:
            await dev.start()
    message = str(failed.value)
    assert f"port {env['TRYGG_UI_PORT']} (Temporal Web UI) is already in use" in message
    assert "TRYGG_UI_PORT" in message and "Traceback" not in message
    assert await dev.process.wait() == 1


async def test_a_killed_trygg_dev_leaves_a_stale_lock_that_the_next_start_takes_over(tmp_path):
    data_dir = tmp_path / "state"
    env = dev_environment(data_dir)
    trygg = Trygg(env)
    tenancy = unique("T")

    first = DevProcess(env)
    await first.start()
    filed = await trygg("report", "-", "--json", stdin=json.dumps(report_json(tenancy, "CS-1")))
    assert filed.code == 0, filed.err
    first.process.kill()
    await first.process.wait()
    assert (data_dir / "dev.lock").exists(), "the killed run left its lock file behind"

    second = DevProcess(env, "--json")
    await second.start()
    assert second.ready["temporal"] == env["TEMPORAL_ADDRESS"], "--json prints the endpoints as one object"
    assert second.ready["temporal_http_api"] == f"http://127.0.0.1:{env['TRYGG_TEMPORAL_HTTP_PORT']}"
    assert second.ready["web_ui"] == f"http://localhost:{env['TRYGG_UI_PORT']}"
    try:
        shown = await trygg("show", tenancy, "--json")
        assert shown.code == 0, shown.err
        assert shown.json()["case_id"] == filed.json()["case_id"]
    finally:
        assert await second.interrupt() == 0, "".join(second.output)
    await asyncio.sleep(0.5)
    assert processes_using(data_dir) == []


def test_the_dev_server_is_given_every_port_it_listens_on_from_settings(tmp_path):
    """Left to itself the dev server picks its HTTP API and metrics ports at random (and
    could pick its own gRPC port, seen once in CI), and nobody learns them. Trygg names
    each from a setting, so `trygg dev` can print them."""
    import runtime.devstack as devstack
    from runtime.settings import load_settings

    settings = load_settings(
        temporal_port=41001, ui_port=41002, api_port=41003, metrics_port=41004,
        temporal_http_port=41005, temporal_metrics_port=41006,
    )  # fmt: skip
    command = devstack.temporal_command(settings, tmp_path)
    ports = {flag: int(command[command.index(flag) + 1]) for flag in ("--port", "--ui-port", "--http-port", "--metrics-port")}
    assert ports == {"--port": 41001, "--ui-port": 41002, "--http-port": 41005, "--metrics-port": 41006}
    assert load_settings().temporal_http_port == 7243 and load_settings().temporal_metrics_port == 7244


def test_two_settings_naming_one_port_are_refused_by_name():
    import runtime.devstack as devstack
    from runtime.settings import load_settings

    settings = load_settings(temporal_http_port=41011, temporal_metrics_port=41011, metrics_port=0, api_port=0)
    with pytest.raises(devstack.DevStackError, match="TRYGG_TEMPORAL_METRICS_PORT and TRYGG_TEMPORAL_HTTP_PORT both name port 41011"):
        devstack.check_dev_ports(settings)
