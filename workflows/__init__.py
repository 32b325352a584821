"""Temporal shells around the domain rules. `workflows.registry.WORKFLOWS` is what the
worker registers; this package imports nothing, so the sandbox has nothing extra to load."""
