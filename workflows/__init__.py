"""Temporal shells around the domain rules. `WORKFLOWS` is what the worker registers."""

WORKFLOWS: list[type] = []
