"""The `trygg` entry point. Each command lives in a small module of its own; this file
only assembles them and turns expected failures into one clear line and an exit code."""

from __future__ import annotations

import typer

from console import (
    case_commands, demo, incident_commands, login_commands, policy_commands, register_commands, simulate_commands,
    stack_commands,
)
from runtime.process import exit_now

app = typer.Typer(
    name="trygg",
    help="Trygg: durable escalation workflows for housing safety teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stack_commands.register(app)
case_commands.register(app)
register_commands.register(app)
policy_commands.register(app)
incident_commands.register(app)
demo.register(app)
login_commands.register(app)
simulate_commands.register(app)


def run() -> None:
    """Run one command and leave with its exit code (see runtime.process.exit_now for
    why the interpreter's teardown is skipped)."""
    try:
        app(prog_name="trygg")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    exit_now(code)


if __name__ == "__main__":
    run()
