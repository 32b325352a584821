"""The signed-in CLI user's tokens, kept between commands in one file under the data dir.

Mode 0600 from the moment it is created (os.open with the mode, never chmod after), so
no other user on the machine reads a token that acts as this person. The file holds the
access token, the refresh token when the issuer gave one, when the access token expires,
and who it signs in (id and role, to print); never a password or a client secret.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pydantic import BaseModel, ValidationError

TOKEN_FILE = "api-token.json"


class StoredToken(BaseModel):
    issuer: str
    api_url: str
    access_token: str
    refresh_token: str | None = None
    expires_at: int
    subject: str
    roles: tuple[str, ...] = ()
    dev: bool = False

    def expiring(self, within: int = 60) -> bool:
        return self.expires_at - within <= time.time()


def token_path(data_dir: Path) -> Path:
    return Path(data_dir) / TOKEN_FILE


def save_token(path: Path, token: StoredToken) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(token.model_dump_json())
    os.replace(temporary, path)


def load_token(path: Path) -> StoredToken | None:
    try:
        return StoredToken.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError, ValidationError):
        return None


def forget_token(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
