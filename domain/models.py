"""The shared vocabulary of a disturbance case: roles, actors, tenancies and reports.

These models cross every boundary (case systems, workflows, activities, the register),
so they only grow by optional fields: a field added later must never break a recorded
history or a stored payload.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.text import SHORT_TEXT as SHORT_TEXT  # steps and records import it from here
from domain.text import AreaName, IsoDatetime, Ref, ShortId, ShortText


class Frozen(BaseModel):
    """Base for value objects: immutable, and unknown fields are refused by name. An
    invalid value is never copied into the error (`hide_input_in_errors`): the error
    reaches logs and foreign clients, the value may be someone's name."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False, hide_input_in_errors=True)


class Role(StrEnum):
    """Who may act on a case. Swedish titles in the README glossary."""

    COORDINATOR = "coordinator"  # bosocial samordnare / trygghetssamordnare
    SENIOR_COORDINATOR = "senior_coordinator"  # seniorvärd
    TEAM_LEAD = "team_lead"  # chef för trygghetsgruppen
    TENANCY_LAWYER = "tenancy_lawyer"  # hyresjuridisk konsulent
    FIRE_SAFETY_OFFICER = "fire_safety_officer"  # brand- och säkerhetsansvarig
    PREVENTION_TEAM = "prevention_team"  # vräkningsförebyggande team
    AREA_MANAGER = "area_manager"  # områdesansvarig
    OPERATOR = "operator"  # drift: inspects, decides nothing
    SYSTEM = "system"  # the engine itself (clocks, intake)


class Actor(Frozen):
    """A person (or the engine) acting in a role. The id is the staff id, never a name."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")
    role: Role


SYSTEM_ACTOR = Actor(id="trygg", role=Role.SYSTEM)


class HousingForm(StrEnum):
    """Ordinary housing or senior housing (55+ / 70+), which changes who owns the case."""

    ORDINARY = "ordinary"
    SENIOR_55 = "senior_55"
    SENIOR_70 = "senior_70"

    @property
    def is_senior(self) -> bool:
        return self is not HousingForm.ORDINARY


class Category(StrEnum):
    """Closed code list of disturbance categories (no free-text diagnoses, GDPR art. 10)."""

    NOISE = "noise"
    THREATS_OR_HARASSMENT = "threats_or_harassment"
    VIOLENCE = "violence"
    DRUGS = "drugs"
    PROPERTY_DAMAGE = "property_damage"
    FIRE_HAZARD = "fire_hazard"
    SANITATION = "sanitation"
    OTHER = "other"


class Severity(StrEnum):
    """How grave the disturbance is. `particularly_serious` is särskilt allvarlig störning
    (12 kap. 42 § 1 st. 6 p. jordabalken): termination needs neither warning nor notice."""

    MINOR = "minor"
    NORMAL = "normal"
    SERIOUS = "serious"
    PARTICULARLY_SERIOUS = "particularly_serious"


class SourceKind(StrEnum):
    """Who reported: a neighbour, staff, the security company's night patrol, police, an authority."""

    NEIGHBOUR = "neighbour"
    STAFF = "staff"
    SECURITY_COMPANY = "security_company"
    POLICE = "police"
    AUTHORITY = "authority"


class TenancyRef(Frozen):
    """The tenancy (hyreskontrakt) a case concerns, by the case system's ids, plus the two
    facts the legally required letters cannot be written without.

    `address` and `tenant_names` are the *tenant's* personal data (never the complainant's),
    carried so the ladder can put them into the warning (tillsägelse) and the notices to
    social services (12 kap. 25 och 44 §§ jordabalken). They travel only inside workflow
    state and notice facts, where each partner's allow-list decides who sees them; they are
    never put in search attributes, logs, case events or the case view. Optional, so a
    recorded history without them still replays: a letter that needs them and lacks them
    is not sent but becomes a "deliver by hand" task.
    """

    tenancy_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    property_id: ShortId
    area: AreaName
    housing_form: HousingForm = HousingForm.ORDINARY
    tenant_ids: tuple[ShortId, ...] = Field(
        default=(), description="Pseudonymous person ids of the tenants, for the access export."
    )
    address: ShortText | None = Field(
        default=None,
        repr=False,
        description="Street address of the home, for the letters, e.g. 'Storgatan 1 B, 582 22 Linköping'.",
    )
    tenant_names: tuple[ShortText, ...] = Field(
        default=(),
        max_length=10,
        repr=False,
        description="The tenants' names as the lease gives them, for the letters.",
    )


class Complainant(Frozen):
    """Who complained. Protected: never shown to the tenant, never sent to a partner,
    never in logs or search attributes. Kept apart from everything shared."""

    person_id: ShortId | None = None
    name: ShortText | None = None
    contact: ShortText | None = None


class DisturbanceReport(Frozen):
    """A störningsanmälan as a case system, staff or a patrol files it."""

    external_ref: Ref = Field(description="The case system's id; a repeat is a no-op.")
    source_kind: SourceKind
    category: Category
    severity: Severity = Severity.NORMAL
    occurred_at: IsoDatetime
    place: ShortText = Field(
        description="Where: stairwell, flat, yard. LEAVES TRYGG: partners, the tenant's letter, the complainant's "
        "reply and the area picture carry it; a complainant's identity typed here is cut by the screen.",
    )
    tenancy: TenancyRef
    complainant: Complainant | None = None

    def shared_view(self) -> "DisturbanceReport":
        """The report as anyone but the case owner may see it: no complainant."""
        return self.model_copy(update={"complainant": None})
