"""Trygg's small HTTP API: signed partner acknowledgements (POST
/partners/{partner_id}/acknowledgements), turned into the case workflow's
`acknowledge_notice` signal. Run it with `python -m api`."""
