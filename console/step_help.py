"""The step guide (domain/step_guide.py) as `trygg act --help` prints it.

Each step is one block of lines (its roles and stages, then a line per field), blocks
separated by a blank line."""

from __future__ import annotations

from domain.step_guide import StepGuide, step_guide

REPORT_FIELD_NOTE = "its report id, the case system's external_ref, or 'latest' (also --report)"


def step_help() -> str:
    blocks = ["Steps (fields go in --data as JSON; --as and --reason on every step):"]
    for guide in step_guide():
        blocks.append(_block(guide))
    blocks.append(
        "Owner's steps (*): on a case under the law's rules, the coordinator role of the case's housing "
        "form (senior housing: senior_coordinator) and the team lead take them; the other coordinator role "
        "only when the case is assigned to that person. Prevention steps go to the case's prevention track."
    )
    return "\n\n".join(blocks)


def _block(guide: StepGuide) -> str:
    where = ", ".join(guide.stages)
    if guide.track == "prevention":
        where = f"prevention track: {where}"
    lines = [f"{guide.name}{' *' if guide.owner_step else ''}: by {', '.join(guide.roles)}; in {where}."]
    if guide.summary:
        lines.append(f"  {guide.summary}")
    for field in guide.fields:
        kind = REPORT_FIELD_NOTE if field.name == "report_id" else field.kind
        need = "required" if field.required else "optional"
        lines.append(f"  - {field.name} ({need}): {kind}")
    if not guide.fields:
        lines.append("  - no fields beyond --reason")
    return "\n".join(lines)
