"""The fault suite (`make faults`, `python -m faults`): Trygg's whole stack as separate
processes (Temporal on its file database, embedded PostgreSQL, two workers, a webhook
partner and a mail server), cases through the ladder under load, one fault at a time, and
a count of what was sent and accepted against what the cases, the register, the partners
and the disclosure log hold. README, "Reliability", shows its table.

Not part of the application: nothing in Trygg imports this package.
"""
