"""Payload encryption: what Temporal keeps of a case is ciphertext, and staff still read it.

Unit tests of the codec and the key setting; then a case run on the dev server through an
encrypting client and worker, whose raw history holds no name; then the codec server the
Web UI calls from the browser."""

from __future__ import annotations

import base64
import json
import os
import stat

import httpx
import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from runtime.codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    KeySettingError,
    PayloadDecryptionError,
    decode_payloads_in_place,
    ensure_key_file,
    new_key_setting,
    parse_keys,
)
from runtime.connections import data_converter
from runtime.settings import load_settings
from tests.signin import TestIssuer

SECRET_NAME = "Hemlig Granne"


def plain(text: str) -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([{"complainant": text}])[0]


def codec_for(*entries: str) -> EncryptionCodec:
    return EncryptionCodec.from_setting(",".join(entries))


# -- the codec ------------------------------------------------------------------------------


async def test_a_payload_round_trips_and_is_ciphertext_in_between():
    codec = codec_for(new_key_setting("k1"))
    original = plain(SECRET_NAME)
    [sealed] = await codec.encode([original])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID_METADATA] == b"k1"
    assert SECRET_NAME.encode() not in sealed.SerializeToString()
    assert b"json/plain" not in sealed.SerializeToString(), "the original metadata is encrypted too"
    [opened] = await codec.decode([sealed])
    assert opened == original


async def test_each_payload_gets_its_own_nonce():
    codec = codec_for(new_key_setting("k1"))
    first, second = await codec.encode([plain("x"), plain("x")])
    assert first.data != second.data


async def test_after_rotation_new_payloads_use_the_new_key_and_old_ones_still_decode():
    old = new_key_setting("k2025")
    [written_before] = await codec_for(old).encode([plain(SECRET_NAME)])
    rotated = codec_for(new_key_setting("k2026"), old)
    [written_after] = await rotated.encode([plain(SECRET_NAME)])
    assert written_after.metadata[KEY_ID_METADATA] == b"k2026"
    assert await rotated.decode([written_before]) == [plain(SECRET_NAME)]
    assert await rotated.decode([written_after]) == [plain(SECRET_NAME)]


async def test_payloads_written_before_encryption_pass_through_decode_only_when_plaintext_is_accepted():
    written_in_plain = plain(SECRET_NAME)
    migrating = EncryptionCodec.from_setting(new_key_setting("k1"), accept_plaintext=True)
    assert await migrating.decode([written_in_plain]) == [written_in_plain]

    [refused] = await codec_for(new_key_setting("k1")).decode([written_in_plain])
    assert refused.metadata["encoding"] == b"binary/trygg-plaintext-refused"
    assert refused.metadata["refused-encoding"] == b"json/plain"
    assert refused.data == b"" and SECRET_NAME.encode() not in refused.SerializeToString(), "nothing of it is kept"


async def test_an_unknown_key_id_is_named_and_no_key_is_shown():
    retired = new_key_setting("k2024")
    [sealed] = await codec_for(retired).encode([plain(SECRET_NAME)])
    current = new_key_setting("k2026")
    with pytest.raises(PayloadDecryptionError) as refused:
        await codec_for(current).decode([sealed])
    assert "'k2024'" in str(refused.value) and "k2026" in str(refused.value)
    assert current.split(":")[1] not in str(refused.value)
    assert retired.split(":")[1] not in str(refused.value)


async def test_tampered_ciphertext_is_refused():
    codec = codec_for(new_key_setting("k1"))
    [sealed] = await codec.encode([plain(SECRET_NAME)])
    flipped = bytearray(sealed.data)
    flipped[20] ^= 0x01
    tampered = Payload(metadata=dict(sealed.metadata), data=bytes(flipped))
    with pytest.raises(PayloadDecryptionError, match="fails authentication"):
        await codec.decode([tampered])


async def test_a_truncated_payload_is_refused():
    truncated = Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: b"k1"}, data=b"short")
    with pytest.raises(PayloadDecryptionError, match="truncated"):
        await codec_for(new_key_setting("k1")).decode([truncated])


async def test_a_payload_relabelled_with_another_key_id_is_refused():
    one, two = new_key_setting("k1"), new_key_setting("k2")
    codec = codec_for(one, two)
    [sealed] = await codec.encode([plain(SECRET_NAME)])
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"k2"}, data=sealed.data)
    with pytest.raises(PayloadDecryptionError, match="'k2'"):
        await codec.decode([relabelled])


# -- the key setting --------------------------------------------------------------------------


def test_the_first_key_is_active():
    active, keys = parse_keys(f"{new_key_setting('new')}, {new_key_setting('old')}")
    assert active == "new"
    assert list(keys) == ["new", "old"] and all(len(k) == 32 for k in keys.values())


SHORT_KEY = base64.b64encode(b"s3cret-but-short").decode()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no key given"),
        (f"k1:{SHORT_KEY}", "key 'k1' is 16 bytes; AES-256 needs 32"),
        ("k1:not*base64!", "key 'k1' is not valid base64"),
        (SHORT_KEY, "entry 1 does not start with a key id"),
        (f"{new_key_setting('a')},,", "entry 2 is empty"),
        (f"{new_key_setting('a')},{new_key_setting('a')}", "key id 'a' appears twice"),
    ],
)
def test_a_bad_key_setting_says_why_without_echoing_key_material(text, reason):
    with pytest.raises(KeySettingError) as refused:
        parse_keys(text)
    assert reason in str(refused.value)
    assert SHORT_KEY not in str(refused.value) and "not*base64" not in str(refused.value)


def test_the_dev_key_file_is_created_once_private_and_then_reused(tmp_path):
    path = tmp_path / "state" / "payload-keys"
    first = ensure_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ensure_key_file(path) == first
    assert parse_keys(first)[0] == "dev1"
    assert [p.name for p in path.parent.iterdir()] == ["payload-keys"], "no scratch file left behind"


def test_the_data_converter_encrypts_only_when_keys_are_configured():
    assert data_converter(load_settings()).payload_codec is None
    converter = data_converter(load_settings(payload_keys=new_key_setting("k1")))
    assert isinstance(converter.payload_codec, EncryptionCodec) and not converter.payload_codec.accept_plaintext
    assert issubclass(converter.payload_converter_class, pydantic_data_converter.payload_converter_class)
    migrating = data_converter(load_settings(payload_keys=new_key_setting("k1"), accept_plaintext_payloads=True))
    assert migrating.payload_codec.accept_plaintext


async def test_decoding_in_place_reaches_nested_payloads():
    from temporalio.api.history.v1 import HistoryEvent

    codec = codec_for(new_key_setting("k1"))
    event = HistoryEvent()
    event.workflow_execution_signaled_event_attributes.input.payloads.extend(await codec.encode([plain(SECRET_NAME)]))
    event.workflow_execution_signaled_event_attributes.header.fields["h"].CopyFrom((await codec.encode([plain("h")]))[0])
    await decode_payloads_in_place(event, codec)
    attributes = event.workflow_execution_signaled_event_attributes
    assert list(attributes.input.payloads) == [plain(SECRET_NAME)]
    assert attributes.header.fields["h"] == plain("h")


# -- the codec server for the Web UI -------------------------------------------------------

UI = "http://localhost:8233"


ISSUER = TestIssuer()
SIGNED_IN = {"Authorization": f"Bearer {ISSUER.token(roles=['Trygg.Coordinator'])}"}


def codec_app(codec: EncryptionCodec | None):
    from api.staff import create_staff_app
    from api.tokens import TokenVerifier
    from runtime.identity import DEV_AUDIENCE

    # The codec routes touch neither the register nor Temporal; sign-in is a test issuer's.
    verifier = TokenVerifier(ISSUER.issuer, DEV_AUDIENCE, keys=ISSUER.keys(), refetch_interval=0)
    return create_staff_app(None, None, verifier, codec=codec, ui_origins=[UI])


def http(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trygg-api")


def as_json(*payloads: Payload) -> dict:
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads

    return json.loads(json_format.MessageToJson(Payloads(payloads=payloads)))


async def test_the_web_ui_gets_back_what_it_encoded_through_the_codec_server():
    headers = {"Origin": UI, "X-Namespace": "default", "Content-Type": "application/json", **SIGNED_IN}
    async with http(codec_app(codec_for(new_key_setting("k1")))) as api:
        encoded = await api.post("/codec/encode", json=as_json(plain(SECRET_NAME)), headers=headers)
        assert encoded.status_code == 200, encoded.text
        assert encoded.headers["access-control-allow-origin"] == UI
        assert SECRET_NAME not in encoded.text
        [sealed] = encoded.json()["payloads"]
        assert base64.b64decode(sealed["metadata"]["encoding"]) == ENCODING

        decoded = await api.post("/codec/default/decode", json=encoded.json(), headers=headers)
        assert decoded.status_code == 200, decoded.text
        assert decoded.json() == as_json(plain(SECRET_NAME))


async def test_the_browser_preflight_is_answered_for_the_ui_origin_only():
    preflight = {"Origin": UI, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-namespace"}  # fmt: skip
    async with http(codec_app(codec_for(new_key_setting("k1")))) as api:
        answered = await api.options("/codec/decode", headers=preflight)
        assert answered.status_code == 204
        assert answered.headers["access-control-allow-origin"] == UI
        allowed = answered.headers["access-control-allow-headers"].lower()
        assert "content-type" in allowed and "x-namespace" in allowed
        assert "POST" in answered.headers["access-control-allow-methods"]

        elsewhere = await api.options("/codec/decode", headers={**preflight, "Origin": "https://evil.example"})
        assert elsewhere.status_code == 403 and "access-control-allow-origin" not in elsewhere.headers
        posted = await api.post("/codec/decode", json=as_json(plain("x")), headers={"Origin": "https://evil.example", **SIGNED_IN})
        assert posted.status_code == 403


async def test_encode_and_decode_refuse_a_request_without_sign_in():
    async with http(codec_app(codec_for(new_key_setting("k1")))) as api:
        for operation in ("encode", "decode"):
            answer = await api.post(f"/codec/{operation}", json=as_json(plain(SECRET_NAME)), headers={"Origin": UI})
            assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
            assert SECRET_NAME not in answer.text


async def test_the_codec_server_says_which_key_is_missing_and_refuses_bad_bodies():
    [sealed] = await codec_for(new_key_setting("k-retired")).encode([plain(SECRET_NAME)])
    async with http(codec_app(codec_for(new_key_setting("k1")))) as api:
        unknown = await api.post("/codec/decode", json=as_json(sealed), headers=SIGNED_IN)
        assert unknown.status_code == 422 and "'k-retired'" in unknown.json()["detail"]
        garbage = await api.post("/codec/decode", content=b"not json", headers={"Content-Type": "application/json", **SIGNED_IN})
        assert garbage.status_code == 400


async def test_without_keys_there_is_no_codec_endpoint():
    async with http(codec_app(None)) as api:
        assert (await api.post("/codec/decode", json={"payloads": []}, headers=SIGNED_IN)).status_code == 404


# -- a case on the dev server, through an encrypting client and worker -----------------------

TENANT_NAME = "Bo Bengtsson"
ADDRESS = "Hemliga gatan 7"


def with_codec(client: Client, setting: str) -> Client:
    """Another client on the same connection, encrypting with `setting`."""
    return Client(**{**client.config(), "data_converter": data_converter(load_settings(payload_keys=setting))})


async def all_runs(client: Client, workflow_id: str):
    """Every run of the case, newest first, followed back through continue-as-new."""
    runs, run_id = [], None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        runs.append(history)
        run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        if not run_id:
            return runs


async def test_a_case_leaves_no_name_in_temporals_history_yet_staff_read_it(local_env):
    from temporalio.api.enums.v1 import EventType

    from client import TryggClient
    from domain.models import Complainant, Role
    from domain.state import CaseStage
    from domain.steps import AddNote
    from tests.standins import COORDINATOR, CaseDriver, StandIns, case_policy, case_worker, file_report, report, tenancy

    setting = new_key_setting("k-test")
    client, raw = with_codec(local_env.client, setting), local_env.client
    home = tenancy().model_copy(update={"tenant_names": (TENANT_NAME,), "address": ADDRESS})
    filed = report(home).model_copy(update={"complainant": Complainant(person_id="p-9", name=SECRET_NAME)})
    standins = StandIns()
    async with case_worker(client, standins) as queue:
        handle = await file_report(client, queue, filed, search_attributes=True, max_history_events_before_continue=40)
        case = CaseDriver(client, handle)
        view = await case.warn_after_dialogue()
        for n in range(8):
            view = await case.step("add_note", AddNote(actor=COORDINATOR, reason=f"note {n}"))
        assert view.stage is CaseStage.FOLLOW_UP and view.notes == 8, "the codec client reads the case normally"
        assert [r.external_ref for r in view.reports] == [filed.external_ref]
        runs = await all_runs(raw, handle.id)
        assert len(runs) >= 2, "the case went through continue-as-new"
        assert runs[-1].events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW

        timeline = await TryggClient(client, task_queue=queue, policy=case_policy()).history(home.tenancy_id, Role.COORDINATOR)
        [filed_entry] = [e for e in timeline.entries if e.kind == "report:file_report"]
        assert filed_entry.data["external_ref"] == filed.external_ref, "trygg history decrypts what it shows"

    for history in runs:
        stored = b"".join(event.SerializeToString() for event in history.events)
        as_json_text = history.to_json()
        for secret in (SECRET_NAME, TENANT_NAME, ADDRESS):
            assert secret.encode() not in stored and secret not in as_json_text, f"{secret!r} is readable in Temporal"

    # The control: the same history, decrypted, does hold them: the check above can see them.
    codec = EncryptionCodec.from_setting(setting)
    for event in runs[-1].events:
        await decode_payloads_in_place(event, codec)
    decrypted = b"".join(event.SerializeToString() for event in runs[-1].events)
    assert SECRET_NAME.encode() in decrypted and TENANT_NAME.encode() in decrypted


# -- trygg dev and the console ---------------------------------------------------------------


def test_the_dev_web_ui_is_pointed_at_the_codec_endpoint_only_when_payloads_are_encrypted(tmp_path):
    from runtime.devstack import temporal_command

    encrypted = temporal_command(load_settings(payload_keys=new_key_setting("dev1"), api_port=8123), tmp_path)
    assert encrypted[encrypted.index("--ui-codec-endpoint") + 1] == "http://localhost:8123/codec"
    assert "--ui-codec-endpoint" not in temporal_command(load_settings(api_port=8123), tmp_path)


def test_the_console_uses_the_key_trygg_dev_keeps_unless_one_is_configured(tmp_path, monkeypatch):
    from console.session import PAYLOAD_KEYS_FILE, with_dev_payload_keys
    from runtime.settings import SettingsError

    monkeypatch.delenv("TRYGG_PAYLOAD_KEYS", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert with_dev_payload_keys(settings).payload_keys is None, "the console never makes a key"
    made = with_dev_payload_keys(settings, create=True).payload_keys
    assert made == (tmp_path / PAYLOAD_KEYS_FILE).read_text().strip()
    assert with_dev_payload_keys(settings).payload_keys == made
    configured = new_key_setting("prod1")
    assert with_dev_payload_keys(load_settings(data_dir=tmp_path, payload_keys=configured)).payload_keys == configured

    (tmp_path / PAYLOAD_KEYS_FILE).write_text("dev1:tooshort")
    with pytest.raises(SettingsError, match="payload-keys: key 'dev1' is not valid base64|payload-keys: key 'dev1' is"):
        with_dev_payload_keys(settings)
