"""Every side effect of a case: the register in PostgreSQL and the partner channels.

`build_activities` is the one place the worker learns which activities exist; each
feature module exposes a class holding its dependencies whose `activities()` returns
the bound methods to register (STYLE.md: money-transfer template, PostHog's worker).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from runtime.policy_file import PolicyInForce
from runtime.settings import Settings


@dataclass
class ActivitySet:
    """The activities to register and the resources to release when the worker stops."""

    functions: list[Callable[..., Any]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for close in self.closers:
            await close()


def build_activities(
    pool: asyncpg.Pool, settings: Settings, policy_in_force: PolicyInForce | None = None, client: Any = None
) -> ActivitySet:
    """The real implementations, never stand-ins. The policy is the one the worker read
    (and recorded) at start; without one, `settings.policy_file` is read here. With the
    worker's Temporal `client`, also the incident sweep, which reads Temporal's visibility."""
    from activities.notify import NotificationActivities
    from activities.opening import OpeningActivities
    from activities.policy import PolicyActivities
    from activities.register import RegisterActivities
    from runtime.policy_file import load_policy
    from web.digest import DigestActivities

    register = RegisterActivities(pool)
    notify = NotificationActivities.from_settings(settings, pool)
    policy = PolicyActivities(policy_in_force or load_policy(settings.policy_file))
    digest = DigestActivities(pool, notify._smtp)  # the staff web app's daily mail, same SMTP settings
    opening = OpeningActivities(register, policy)
    functions = [*register.activities(), *notify.activities(), *policy.activities(), *opening.activities(),
                 *digest.activities()]  # fmt: skip
    if client is not None:
        from activities.incidents import IncidentActivities

        functions += IncidentActivities(client, pool).activities()
    return ActivitySet(functions=functions, closers=[notify.close])
