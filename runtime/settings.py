"""Every setting Trygg reads, in one place, validated at start-up.

Temporal's own variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
TEMPORAL_TLS_*) and its TOML config file are read by `temporalio.envconfig`, so the same
worker reaches a dev server, a self-hosted cluster or Temporal Cloud. Trygg's own settings
carry the TRYGG_ prefix, except DATABASE_URL, which every platform already sets.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.text import text
from runtime.codec import parse_keys

Setting = text(2000)
"""A text setting: trimmed, not blank, no control characters (an escape sequence in an
environment variable would reach logs and mail headers)."""


STICKY_QUEUE_TIMEOUT_SECONDS = 1.0
"""The sticky queue's schedule-to-start timeout: how long the server offers a case's next
workflow task only to the worker that has the case cached before offering it to every
worker on the task queue. The SDK's default, 10 s, is how long the cases a killed worker
held stood still (the fault suite measured 10 to 16 s with the other worker idle). A live
worker long-polls its sticky queue all the time and takes a task within milliseconds, so
only a dead or saturated worker misses 1 s; a miss costs one replay of the case's history
on another worker (milliseconds for a case's few hundred events), never correctness.
1 s keeps the stall after a worker's death well inside the 3 s goal on a loaded machine
(`make faults`, README "Reliability"); lower values only add replays on a busy worker."""


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says why."""


class Settings(BaseSettings):
    """Trygg's configuration. Field docs are the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="TRYGG_", extra="ignore", frozen=True, hide_input_in_errors=True)

    temporal_address: Setting | None = Field(
        default=None,
        validation_alias=AliasChoices("TEMPORAL_ADDRESS", "TRYGG_TEMPORAL_ADDRESS"),
        description="host:port of the Temporal frontend; default from Temporal's config, else localhost:7233.",
    )
    temporal_namespace: Setting | None = Field(
        default=None, validation_alias=AliasChoices("TEMPORAL_NAMESPACE", "TRYGG_TEMPORAL_NAMESPACE")
    )
    temporal_profile: Setting | None = Field(
        default=None, validation_alias=AliasChoices("TEMPORAL_PROFILE", "TRYGG_TEMPORAL_PROFILE")
    )
    task_queue: text(200) = "trygg-cases"
    database_url: Setting | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "TRYGG_DATABASE_URL"),
        description="postgresql://… ; unset means the embedded PostgreSQL under the data directory.",
    )
    data_dir: Path = Field(default=Path(".trygg"), description="Embedded server state: Temporal file DB, PostgreSQL data.")
    log_format: LogFormat = LogFormat.JSON
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    metrics_port: int | None = Field(default=9464, ge=0, le=65535, description="Prometheus endpoint; 0 turns it off.")
    graceful_shutdown_seconds: float = Field(default=20.0, ge=0, le=3600)
    sticky_queue_timeout_seconds: float = Field(
        default=STICKY_QUEUE_TIMEOUT_SECONDS,
        gt=0,
        le=60,
        description="How long a case's next task waits for the worker that holds the case in its cache before any "
        "worker may take it; bounds the stall of the cases a dead worker held.",
    )
    partners_file: Path | None = Field(default=None, description="The partner directory (TOML).")
    policy_file: Path | None = Field(
        default=None, description="The escalation policy (TOML, runtime.policy_file); unset: the built-in defaults."
    )
    smtp_host: Setting = Field(default="localhost", description="Outgoing mail server for e-mail partners.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: Setting | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: text(254, min_length=3) = "trygghetsgruppen@localhost"
    api_port: int = Field(
        default=8090, ge=0, le=65535, description="The staff listener: HTTP API (/v1), codec, web app; 0 turns it off."
    )
    api_host: Setting = Field(default="0.0.0.0", description="The address the staff listener binds.")
    partner_api_port: int = Field(
        default=8091, ge=0, le=65535, description="The partners' listener: signed acknowledgements only; 0 turns it off."
    )
    partner_api_host: Setting = Field(default="0.0.0.0", description="The address the partners' listener binds.")
    temporal_port: int = Field(default=7233, ge=1, le=65535, description="Dev stack only: Temporal gRPC port.")
    ui_port: int = Field(default=8233, ge=1, le=65535, description="Dev stack only: Web UI port.")
    temporal_http_port: int = Field(
        default=7243, ge=1, le=65535, description="Dev stack only: the Temporal dev server's HTTP API port."
    )
    temporal_metrics_port: int = Field(
        default=7244, ge=1, le=65535, description="Dev stack only: the Temporal dev server's Prometheus metrics port."
    )
    payload_keys: str | None = Field(
        default=None,
        repr=False,
        description="Payload encryption keys, kid:base64key[,kid:base64key…], first active; unset: payloads in plain text.",
    )
    accept_plaintext_payloads: bool = Field(
        default=False,
        description="With payload keys set, also read payloads that arrive unencrypted; only during a migration to encryption.",
    )
    ui_origins: Setting | None = Field(
        default=None,
        description="Comma-separated Web UI origins allowed to call the codec endpoint; default http://localhost:<ui_port>.",
    )

    oidc_issuer: Setting | None = Field(
        default=None,
        description="OpenID Connect issuer URL (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0); "
        "unset under `trygg dev`: its local provider.",
    )
    oidc_audience: Setting = Field(default="api://trygg", description="The `aud` every access token must carry.")
    oidc_algorithms: Setting = Field(
        default="RS256", description="Comma-separated JWS algorithms accepted on tokens; `none` and HS* never are."
    )
    oidc_role_claim: text(100) = Field(default="roles", description="The claim that holds the caller's app roles.")
    oidc_actor_claim: text(100) = Field(default="oid", description="The claim Trygg records as the actor id (`oid` or `sub`).")
    oidc_role_map: Setting | None = Field(
        default=None,
        description="claim-value=trygg-role pairs, comma-separated; default Trygg.Coordinator=coordinator, …, "
        "Trygg.CaseSystem=case_system.",
    )
    oidc_client_id: text(200) = Field(default="trygg-web", description="The web app's and `trygg login`'s client id.")
    oidc_client_secret: str | None = Field(default=None, repr=False, description="The web app's client secret.")
    web_public_url: Setting | None = Field(
        default=None,
        description="Where browsers reach the staff web app (https://…/staff); default http://localhost:<api_port>/staff.",
    )
    web_session_secret: str | None = Field(
        default=None, repr=False,
        description="Signs the web app's session cookies and form tokens; the same on every replica. Unset: random, "
        "so sessions end when the process restarts.",
    )
    simulations_dir: Path | None = Field(
        default=None, description="Saved `trygg simulate --out` folders the web app shows the team lead; default <data_dir>/simulations."
    )
    identity_port: int = Field(default=8092, ge=0, le=65535, description="Dev stack only: the local OpenID provider's port.")

    @field_validator("oidc_algorithms")
    @classmethod
    def _safe_algorithms(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unsafe = [name for name in names if name.lower() == "none" or name.upper().startswith("HS")]
        if not names or unsafe:
            raise ValueError("must name asymmetric algorithms only (RS256, PS256, ES256 …); never none or HS*")
        return ",".join(names)

    @field_validator("oidc_role_map")
    @classmethod
    def _valid_role_map(cls, value: str | None) -> str | None:
        if value is not None:
            from api.principal import parse_role_map

            parse_role_map(value)
        return value

    def claim_rules(self):
        """How a token's claims name the caller and their roles (api.principal.ClaimRules)."""
        from api.principal import ClaimRules, default_role_map, parse_role_map

        role_map = parse_role_map(self.oidc_role_map) if self.oidc_role_map else default_role_map()
        return ClaimRules(role_claim=self.oidc_role_claim, actor_claim=self.oidc_actor_claim, role_map=role_map)

    def simulations_path(self) -> Path:
        return self.simulations_dir or Path(self.data_dir) / "simulations"

    def web_url(self) -> str:
        """The staff web app's public address (its sign-in callback is built from it)."""
        return (self.web_public_url or f"http://localhost:{self.api_port}/staff").rstrip("/")

    def accepted_algorithms(self) -> list[str]:
        return self.oidc_algorithms.split(",")

    @field_validator("database_url")
    @classmethod
    def _postgres_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (or postgres://)")
        return value

    @field_validator("payload_keys")
    @classmethod
    def _valid_keys(cls, value: str | None) -> str | None:
        if value is not None:
            parse_keys(value)  # raises KeySettingError (a ValueError) naming the key id, never the key
        return value

    def codec_origins(self) -> list[str]:
        """The browser origins whose Web UI may call the codec endpoint."""
        if self.ui_origins:
            return [origin.strip().rstrip("/") for origin in self.ui_origins.split(",") if origin.strip()]
        return [f"http://localhost:{self.ui_port}", f"http://127.0.0.1:{self.ui_port}"]

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def load_settings(**overrides: object) -> Settings:
    """Read the environment; a bad value raises SettingsError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = []
        for issue in error.errors():
            field = _field_of(str(issue["loc"][0])) if issue["loc"] else "?"
            shown = repr(issue.get("input")) if field in _SHOWN else "<hidden>"
            problems.append(f"{_env_name(field)}: {issue['msg']} (got {shown})")
        raise SettingsError("invalid setting: " + "; ".join(problems)) from None


_SHOWN = {
    "log_format", "log_level", "metrics_port", "graceful_shutdown_seconds", "sticky_queue_timeout_seconds", "smtp_port", "smtp_starttls",
    "api_port", "partner_api_port", "temporal_port", "ui_port", "temporal_http_port", "temporal_metrics_port",
    "identity_port", "oidc_algorithms", "oidc_role_claim", "oidc_actor_claim",
}  # fmt: skip
"""Settings whose value is a code or a number, echoed in an error to help; every other
value (a URL with a password, a key, a user name, an address) is named but never echoed."""


def _field_of(location: str) -> str:
    """pydantic reports an aliased field by the alias it was read from; map it back."""
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        if name == location or (isinstance(alias, AliasChoices) and location in alias.choices):
            return name
    return location


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = getattr(info, "validation_alias", None) if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"TRYGG_{field.upper()}"
