-- The partner outbox: one row per (notice, partner), so a retried activity never sends twice.
--
-- status: pending = claimed, maybe sent (a crash between send and record leaves it here; the
-- retry sends again with the same idempotency_key, which partners deduplicate on);
-- sent = delivered and disclosed (the disclosure row is written in the same transaction);
-- failed = refused permanently, to be delivered by hand.
-- case_id is NULL only for area pictures, which concern no case.

CREATE TABLE partner_outbox (
    notice_id       text NOT NULL CHECK (length(notice_id) BETWEEN 1 AND 128),
    partner_id      text NOT NULL CHECK (length(partner_id) BETWEEN 1 AND 64),
    idempotency_key text NOT NULL UNIQUE,
    case_id         text REFERENCES cases ON DELETE CASCADE,
    workflow_id     text CHECK (length(workflow_id) <= 128),
    kind            text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    partner_kind    text NOT NULL CHECK (length(partner_kind) BETWEEN 1 AND 64),
    channel         text NOT NULL CHECK (channel IN ('webhook', 'email')),
    legal_basis     text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 200),
    fields          text[] NOT NULL,
    payload         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      text CHECK (length(last_error) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    failed_at       timestamptz,
    acknowledged_at timestamptz,
    PRIMARY KEY (notice_id, partner_id)
);
CREATE INDEX partner_outbox_case_idx ON partner_outbox (case_id);
CREATE INDEX partner_outbox_unsettled_idx ON partner_outbox (created_at) WHERE status <> 'sent';

-- The rendered Swedish documents, kept with the case: exactly what the partner received.
CREATE TABLE notice_documents (
    notice_id   text NOT NULL,
    partner_id  text NOT NULL,
    case_id     text REFERENCES cases ON DELETE CASCADE,
    kind        text NOT NULL,
    filename    text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    media_type  text NOT NULL,
    body        text NOT NULL,
    sha256      text NOT NULL CHECK (length(sha256) = 64),
    rendered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notice_id, partner_id),
    FOREIGN KEY (notice_id, partner_id) REFERENCES partner_outbox ON DELETE CASCADE
);
CREATE INDEX notice_documents_case_idx ON notice_documents (case_id);
