"""The webhook signature scheme, shared by outgoing notices and incoming acknowledgements.

    signed   = f"{timestamp}.{body}"   (timestamp: Unix seconds as decimal ASCII; body: raw bytes)
    signature = "v1=" + hex(HMAC-SHA256(secret, signed))

Headers: `X-Trygg-Timestamp`, `X-Trygg-Signature`, and on notices `Idempotency-Key`.
A receiver recomputes the HMAC over the raw body it received, compares in constant time,
and refuses timestamps more than five minutes from its clock (replays). The idempotency
key is stable across retries while timestamp and signature are fresh per attempt, so a
receiver deduplicates on the key, not on the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Trygg-Timestamp"
SIGNATURE_HEADER = "X-Trygg-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
KIND_HEADER = "X-Trygg-Notice-Kind"
VERSION = "v1"
TOLERANCE_SECONDS = 300


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def signed_headers(secret: bytes, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(
    secret: bytes,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True if `signature` is ours over `timestamp` and `body`, and the timestamp is fresh."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, int(timestamp), body)
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in signature.split(","))
