-- The screen on what leaves (partners/screen.py): a complainant's identity typed into a
-- free-text fact is cut before the notice goes. The register records THAT a delivery was
-- cut, never what was cut: one flag on the outbox row (area pictures included, which have
-- no disclosure) and the same flag on the disclosure it becomes when sent.

ALTER TABLE partner_outbox ADD COLUMN redacted boolean NOT NULL DEFAULT false;
ALTER TABLE disclosures ADD COLUMN redacted boolean NOT NULL DEFAULT false;
