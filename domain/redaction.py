"""The one redaction rule for every read: what each role may see of a case.

Every read that shows a case to a person goes through `cut` (or `cut_model`): `trygg
show` and the `view` query, `trygg history`, the register's audit trail and access
exports, and the codec server that decodes payloads for Temporal's Web UI. A field is
classified by its name, at any depth, so a payload, a register row and a view are cut
the same way; what a role may not see becomes None (a shape stays valid, a value is gone).

| kind | fields | who sees it |
|---|---|---|
| codes | ids, codes, dates, stages, counts, flags: everything not named below | every role |
| staff ids | actor ids, assignees, coordinator ids | every role that works cases (not operator, area manager) |
| tenant | tenant_names, address, tenant_ids, apartment_number | coordinator, senior coordinator, team lead, tenancy lawyer, prevention team, fire safety officer |
| free text | reason (steps and notes), place, meeting_place, incident_summary, damage_description | the same roles as tenant |
| external ref | the case system's report id, which leads to who filed it | coordinator, senior coordinator, team lead |
| complainant | complainant* (identity of who reported) | coordinator, senior coordinator, team lead (the register's `read_complainant`) |

An operator (drift) and an area manager (områdesansvarig) see codes, dates, stages and
counts only; so does a reader whose role is not known (`None`), and the engine itself.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel

from domain.models import Role


class DataKind(StrEnum):
    CODES = "codes"
    STAFF_IDS = "staff_ids"
    TENANT = "tenant"
    FREE_TEXT = "free_text"
    EXTERNAL_REF = "external_ref"
    COMPLAINANT = "complainant"


CASE_OWNER_ROLES: frozenset[Role] = frozenset({Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD})
"""The roles that own a case: the only ones that may read who complained."""

_CASE_WORK = frozenset({DataKind.CODES, DataKind.STAFF_IDS, DataKind.TENANT, DataKind.FREE_TEXT})
_EVERYTHING = frozenset(DataKind)
_CODES_ONLY = frozenset({DataKind.CODES})

VISIBLE: dict[Role, frozenset[DataKind]] = {
    Role.COORDINATOR: _EVERYTHING,
    Role.SENIOR_COORDINATOR: _EVERYTHING,
    Role.TEAM_LEAD: _EVERYTHING,
    Role.TENANCY_LAWYER: _CASE_WORK,
    Role.PREVENTION_TEAM: _CASE_WORK,
    Role.FIRE_SAFETY_OFFICER: _CASE_WORK,
    Role.AREA_MANAGER: _CODES_ONLY,
    Role.OPERATOR: _CODES_ONLY,
    Role.SYSTEM: _CODES_ONLY,
}
"""Which kinds of data each role may read. A role missing here sees codes only."""

FIELD_KINDS: dict[str, DataKind] = {
    "tenant_names": DataKind.TENANT,
    "address": DataKind.TENANT,
    "tenant_ids": DataKind.TENANT,
    "apartment_number": DataKind.TENANT,
    "reason": DataKind.FREE_TEXT,
    "place": DataKind.FREE_TEXT,
    "meeting_place": DataKind.FREE_TEXT,
    "incident_summary": DataKind.FREE_TEXT,
    "damage_description": DataKind.FREE_TEXT,
    "external_ref": DataKind.EXTERNAL_REF,
    "actor_id": DataKind.STAFF_IDS,
    "assignee": DataKind.STAFF_IDS,
    "coordinator_id": DataKind.STAFF_IDS,
}
"""Fields by name, wherever they occur. `actor` objects ({id, role}) keep their role and
lose their id as staff ids; anything named complainant* is the complainant."""


def visible_kinds(role: Role | None) -> frozenset[DataKind]:
    return VISIBLE.get(role, _CODES_ONLY) if role is not None else _CODES_ONLY


def may_see(role: Role | None, kind: DataKind) -> bool:
    return kind in visible_kinds(role)


def field_kind(name: str) -> DataKind:
    key = name.strip().lower()
    if key.startswith("complainant"):
        return DataKind.COMPLAINANT
    return FIELD_KINDS.get(key, DataKind.CODES)


def cut(value: Any, role: Role | None) -> Any:
    """A JSON-like value (dicts, lists, scalars) with what `role` may not see set to None."""
    return _cut(value, visible_kinds(role))


def _cut(value: Any, visible: frozenset[DataKind]) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            name = str(key)
            if field_kind(name) not in visible:
                out[key] = None
            elif name == "actor" and isinstance(item, dict):
                out[key] = {**item, "id": item.get("id") if DataKind.STAFF_IDS in visible else None}
            else:
                out[key] = _cut(item, visible)
        return out
    if isinstance(value, (list, tuple)):
        return [_cut(item, visible) for item in value]
    return value


M = TypeVar("M", bound=BaseModel)


def cut_model(model: M, role: Role | None) -> M:
    """The model as `role` may read it: every field the rule hides is None. The model's
    hidden fields must therefore be optional."""
    return type(model).model_validate(cut(model.model_dump(mode="json"), role))


def actor_label(role: str | None, staff_id: str | None, reader: Role | None) -> str | None:
    """How an actor is shown: `role:id`, or the role alone for readers without staff ids."""
    if role is None:
        return None
    if staff_id and may_see(reader, DataKind.STAFF_IDS):
        return f"{role}:{staff_id}"
    return role
