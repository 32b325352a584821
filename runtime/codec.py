"""Payload encryption: what Temporal stores of a case is ciphertext.

Signal and update inputs (a DisturbanceReport names the complainant and the tenants),
activity inputs and results and the case state carried through continue-as-new all land
in Temporal's event history, readable in the Web UI and by whoever runs the cluster
(Temporal Cloud included). The codec turns every payload into AES-256-GCM ciphertext
before it leaves the process and back after it returns, so the keys stay with Trygg.

Layout of an encrypted payload: metadata `encoding=binary/encrypted` and
`encryption-key-id=<id>`; data = 12-byte random nonce + ciphertext + 16-byte tag of the
whole original Payload (metadata included, so the pydantic encoding survives). The key id
is bound in as associated data: relabelling a payload with another key id fails.

Rotation: several keys by id, the first one active. New payloads use the active key; a
payload names its key, so old histories keep decoding as long as their key is listed.

Plaintext: a payload without the encrypted encoding is refused unless `accept_plaintext`
(TRYGG_ACCEPT_PLAINTEXT_PAYLOADS, for a migration to encryption) lets it through. Refused
is not raised here: decoding runs before the workflow does, and raising would fail the
workflow task, again and again for a case whose history holds the payload. The payload
is replaced by a marker holding nothing of it (runtime/converters.py), which is refused
to the sender where its value is asked for.

Errors name key ids, never key material.

`python -m runtime.codec new-key [KEY_ID]` prints a fresh `kid:base64key` entry.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from runtime.converters import REFUSED_PLAINTEXT_ENCODING

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KeySettingError(ValueError):
    """A key setting is malformed; the message names the key id (or entry number) and why."""


class PayloadDecryptionError(Exception):
    """A payload cannot be decrypted: its key is not configured, or it was tampered with."""


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over whole payloads, with the key id in the metadata."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str, *, accept_plaintext: bool = False) -> None:
        if active_key_id not in keys:
            raise KeySettingError(f"active key {active_key_id!r} is not among the keys")
        for key_id, key in keys.items():
            _check_key(key_id, key)
        self.active_key_id = active_key_id
        self.accept_plaintext = accept_plaintext
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    @classmethod
    def from_setting(cls, text: str, *, accept_plaintext: bool = False) -> "EncryptionCodec":
        active, keys = parse_keys(text)
        return cls(keys, active, accept_plaintext=accept_plaintext)

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.active_key_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        encoding = payload.metadata.get("encoding")
        if encoding != ENCODING:
            if self.accept_plaintext or encoding == REFUSED_PLAINTEXT_ENCODING.encode():
                return payload  # written before encryption was on, during a migration: as is
            return refused_plaintext_marker(payload)
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"payload encrypted with key id {key_id!r}, which is not configured "
                f"(configured: {', '.join(self._ciphers)}); add that key to TRYGG_PAYLOAD_KEYS"
            )
        data = payload.data
        if len(data) < NONCE_BYTES + 16:
            raise PayloadDecryptionError(f"payload encrypted with key id {key_id!r} is truncated")
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise PayloadDecryptionError(
                f"payload encrypted with key id {key_id!r} fails authentication: "
                "it was altered, or a different key is configured under that id"
            ) from None
        return Payload.FromString(plain)


def refused_plaintext_marker(payload: Payload) -> Payload:
    """What a refused plaintext payload becomes: its encoding's name, none of its data."""
    encoding = payload.metadata.get("encoding", b"")
    known = encoding if re.fullmatch(rb"[a-z0-9/._+-]{1,64}", encoding) else b"unknown"
    return Payload(metadata={"encoding": REFUSED_PLAINTEXT_ENCODING.encode(), "refused-encoding": known})


def parse_keys(text: str) -> tuple[str, dict[str, bytes]]:
    """`kid:base64key[,kid:base64key…]` → (active key id, {key id: 32-byte key}); first is active."""
    keys: dict[str, bytes] = {}
    entries = [entry.strip() for entry in text.split(",")]
    if not any(entries):
        raise KeySettingError("no key given; expected kid:base64key[,kid:base64key…]")
    for number, entry in enumerate(entries, start=1):
        if not entry:
            raise KeySettingError(f"entry {number} is empty")
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not _KEY_ID.match(key_id):
            raise KeySettingError(
                f"entry {number} does not start with a key id (1-64 of A-Z a-z 0-9 . _ -) and a colon"
            )
        if key_id in keys:
            raise KeySettingError(f"key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeySettingError(f"key {key_id!r} is not valid base64") from None
        _check_key(key_id, key)
        keys[key_id] = key
    return next(iter(keys)), keys


def new_key_setting(key_id: str | None = None) -> str:
    """A fresh random key as one `kid:base64key` entry (default id: k<today>)."""
    key_id = key_id or f"k{date.today():%Y%m%d}"
    if not _KEY_ID.match(key_id):
        raise KeySettingError(f"key id {key_id!r} must be 1-64 of A-Z a-z 0-9 . _ -")
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def _check_key(key_id: str, key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise KeySettingError(f"key {key_id!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES}")


# -- the dev stack's own key ----------------------------------------------------------------


def read_key_file(path: Path) -> str | None:
    """The key setting kept in `path`, or None when there is no such file."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def ensure_key_file(path: Path, key_id: str = "dev1") -> str:
    """Read `path`, or create it (mode 0600) with a new key; two first starts racing get
    one key, because the file appears whole through a hard link or not at all."""
    existing = read_key_file(path)
    if existing is not None:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(new_key_setting(key_id) + "\n")
    try:
        os.link(scratch, path)
    except FileExistsError:
        pass
    finally:
        scratch.unlink()
    return read_key_file(path) or ""


# -- decoding a fetched history ---------------------------------------------------------------


async def decode_payloads_in_place(message: Message, codec: PayloadCodec) -> None:
    """Decode every Payload inside a proto (e.g. each event of a fetched history) in place.

    `fetch_history` returns payloads as stored; readers that pick inputs and results out of
    events (the case timeline) call this first when a codec is configured.
    """
    found = list(_payloads_in(message))
    if not found:
        return
    decoded = await codec.decode(found)
    for original, plain in zip(found, decoded, strict=True):
        if plain is not original:
            original.CopyFrom(plain)


def _payloads_in(message: Message) -> Iterator[Payload]:
    for field, value in message.ListFields():
        kind = field.message_type
        if kind is None:
            continue
        if kind.GetOptions().map_entry:
            value_kind = kind.fields_by_name["value"].message_type
            if value_kind is not None:
                yield from _each(value.values(), value_kind.full_name)
        elif field.is_repeated:
            yield from _each(value, kind.full_name)
        else:
            yield from _each((value,), kind.full_name)


def _each(values: Iterable[Message], full_name: str) -> Iterator[Payload]:
    for item in values:
        if full_name == Payload.DESCRIPTOR.full_name:
            yield item  # type: ignore[misc]
        else:
            yield from _payloads_in(item)


def main(argv: list[str] | None = None) -> int:
    """`python -m runtime.codec new-key [KEY_ID]`: print a new key entry for TRYGG_PAYLOAD_KEYS."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "new-key" or len(args) > 2:
        sys.stderr.write("usage: python -m runtime.codec new-key [KEY_ID]\n")
        return 2
    try:
        sys.stdout.write(new_key_setting(args[1] if len(args) == 2 else None) + "\n")
    except KeySettingError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
