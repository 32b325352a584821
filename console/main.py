"""The `trygg` entry point. Each command lives in a small module of its own; this file
only assembles them and turns expected failures into one clear line and an exit code."""

from __future__ import annotations

import sys

import typer

from console import case_commands, demo, register_commands, stack_commands

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
demo.register(app)


def run() -> None:
    app(prog_name="trygg")


if __name__ == "__main__":
    sys.exit(run())
