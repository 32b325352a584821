"""What `trygg dev` leaves in its data directory for the processes that join it.

The dev stack generates a payload key and starts an embedded PostgreSQL whose URL is
only known once it runs; it writes both under `TRYGG_DATA_DIR`, so the console, a
`TryggClient` script and the tests read what the stack encrypted and reach its register
without anyone copying a key or a URL. An explicit setting (TRYGG_PAYLOAD_KEYS,
DATABASE_URL) always wins, which is what production sets.
"""

from __future__ import annotations

from pathlib import Path

from runtime.codec import KeySettingError, ensure_key_file, parse_keys, read_key_file
from runtime.settings import Settings, SettingsError

DATABASE_URL_FILE = "database_url"
"""`trygg dev` writes the embedded PostgreSQL's URL here, so the console finds the register."""
PAYLOAD_KEYS_FILE = "payload-keys"
"""`trygg dev` keeps its generated payload key here (mode 0600) when TRYGG_PAYLOAD_KEYS is unset."""


def with_dev_payload_keys(settings: Settings, *, create: bool = False) -> Settings:
    """TRYGG_PAYLOAD_KEYS wins; else the key `trygg dev` keeps under the data dir (made on
    its first start when `create`), so the console reads what the dev stack encrypted."""
    if settings.payload_keys:
        return settings
    path = Path(settings.data_dir) / PAYLOAD_KEYS_FILE
    try:
        keys = ensure_key_file(path) if create else read_key_file(path)
    except OSError as error:
        raise SettingsError(f"cannot keep the dev payload key in {path}: {error.strerror}") from None
    if keys is None:
        return settings
    try:
        parse_keys(keys)
    except KeySettingError as error:
        raise SettingsError(f"{path}: {error}") from None
    return settings.model_copy(update={"payload_keys": keys})


def database_url(settings: Settings) -> str | None:
    """DATABASE_URL, else the embedded register `trygg dev` runs on this data dir, else None."""
    if settings.database_url:
        return settings.database_url
    written = Path(settings.data_dir) / DATABASE_URL_FILE
    return written.read_text().strip() if written.exists() else None
