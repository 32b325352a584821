"""Wiring: settings, logging and the one place each that connects to Temporal and PostgreSQL."""
