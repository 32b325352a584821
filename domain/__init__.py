"""Trygg's functional core: models, the escalation policy and the ladder's rules.

Everything here is pure and deterministic so that workflows can import it through the
sandbox and tests can exercise it without Temporal. Nothing in this package reads files,
the environment or the clock.
"""
