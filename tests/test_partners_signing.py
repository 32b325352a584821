"""The signature scheme partners verify: HMAC-SHA256 over f"{timestamp}.{body}"."""

from __future__ import annotations

import hashlib
import hmac

from partners.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signed_headers, verify

SECRET = b"partner-secret-0123456789"
BODY = '{"notice_id":"n-1","kind":"disturbance_notice"}'.encode()


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body_as_the_readme_says():
    expected = hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, BODY) == f"v1={expected}"


def test_a_fresh_signature_verifies_and_a_tampered_body_or_wrong_secret_does_not():
    headers = signed_headers(SECRET, BODY, now=1700000000)
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert verify(SECRET, ts, BODY, sig, now=1700000010)
    assert not verify(SECRET, ts, BODY + b" ", sig, now=1700000010)
    assert not verify(b"another-secret-xxxxxxxx", ts, BODY, sig, now=1700000010)
    assert not verify(SECRET, str(int(ts) + 1), BODY, sig, now=1700000010)


def test_a_replayed_signature_older_than_five_minutes_is_refused():
    headers = signed_headers(SECRET, BODY, now=1700000000)
    assert not verify(SECRET, headers[TIMESTAMP_HEADER], BODY, headers[SIGNATURE_HEADER], now=1700000000 + 301)


def test_missing_or_malformed_headers_are_refused():
    assert not verify(SECRET, None, BODY, "v1=00")
    assert not verify(SECRET, "yesterday", BODY, "v1=00")
    assert not verify(SECRET, "1700000000", BODY, None, now=1700000000)
