-- The HTTP API's memory (issue 14).
--
-- api_idempotency: one row per (caller, Idempotency-Key) of POST /v1/reports. The first
-- request claims the key with its body's hash and 'running'; its answer is stored when it
-- comes, so the same key with the same body answers the first answer again (and files
-- nothing), with a different body 422, and while the first still runs 409. The answer is
-- a receipt: ids, a stage and a flag, nothing personal; the body itself is not kept.
--
-- api_access_exports: every access export (registerutdrag) made over the API: who asked,
-- in which role, when, for which tenancy or person. The export itself is not kept.

CREATE TABLE api_idempotency (
    caller        text NOT NULL CHECK (length(caller) BETWEEN 1 AND 64),
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
    request_hash  text NOT NULL CHECK (length(request_hash) = 64),
    state         text NOT NULL CHECK (state IN ('running', 'done')),
    status        integer CHECK (status BETWEEN 100 AND 599),
    answer        jsonb,
    report_id     text CHECK (length(report_id) <= 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    PRIMARY KEY (caller, key)
);
CREATE INDEX api_idempotency_report_idx ON api_idempotency (caller, report_id) WHERE report_id IS NOT NULL;
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

CREATE TABLE api_access_exports (
    export_id     text PRIMARY KEY CHECK (length(export_id) BETWEEN 1 AND 64),
    subject_kind  text NOT NULL CHECK (subject_kind IN ('tenancy', 'person')),
    subject_id    text NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 128),
    requested_by  text NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 64),
    role          text NOT NULL CHECK (length(role) BETWEEN 1 AND 64),
    at            timestamptz NOT NULL,
    cases         integer NOT NULL CHECK (cases >= 0)
);
CREATE INDEX api_access_exports_subject_idx ON api_access_exports (subject_kind, subject_id);
