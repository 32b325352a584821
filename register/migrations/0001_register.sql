-- The case register: the durable, queryable record of every disturbance case.
--
-- Stages, outcomes and event kinds are plain text: the ladder (domain/) owns their
-- vocabulary, so a new stage never needs a migration. Column-level CHECKs are named
-- <table>_<column>_check by PostgreSQL; register/errors.py turns that name back into
-- the field, so a refused write says which field was wrong.

CREATE TABLE cases (
    case_id        text PRIMARY KEY CHECK (length(case_id) BETWEEN 1 AND 128),
    workflow_id    text NOT NULL CHECK (length(workflow_id) BETWEEN 1 AND 128),
    -- tenancy_id, property_id: NULL only once retention has anonymised a closed case.
    tenancy_id     text CHECK (length(tenancy_id) BETWEEN 1 AND 128),
    property_id    text CHECK (length(property_id) BETWEEN 1 AND 128),
    area           text NOT NULL CHECK (length(area) BETWEEN 1 AND 128),
    housing_form   text NOT NULL CHECK (length(housing_form) BETWEEN 1 AND 32),
    category       text NOT NULL CHECK (length(category) BETWEEN 1 AND 64),
    stage          text NOT NULL CHECK (length(stage) BETWEEN 1 AND 128),
    opened_at      timestamptz NOT NULL,
    closed_at      timestamptz,
    outcome        text CHECK (length(outcome) BETWEEN 1 AND 128),
    policy_version text NOT NULL CHECK (length(policy_version) BETWEEN 1 AND 128),
    version        bigint NOT NULL CHECK (version >= 0),
    tenant_ids     text[] NOT NULL DEFAULT '{}',
    last_seq       bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    anonymised_at  timestamptz,
    CONSTRAINT cases_identity_until_anonymised
        CHECK (anonymised_at IS NOT NULL OR (tenancy_id IS NOT NULL AND property_id IS NOT NULL))
);
CREATE INDEX cases_tenancy_idx ON cases (tenancy_id);
CREATE INDEX cases_tenant_ids_idx ON cases USING gin (tenant_ids);
CREATE INDEX cases_closed_at_idx ON cases (closed_at) WHERE closed_at IS NOT NULL;

-- Every stage a case has been in, from upsert_case: the source of "median days per stage".
CREATE TABLE case_stages (
    case_id    text NOT NULL REFERENCES cases ON DELETE CASCADE,
    version    bigint NOT NULL,
    stage      text NOT NULL,
    entered_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, version)
);

-- Append-only audit trail. seq is assigned under the case row's lock, so it has no gaps;
-- (case_id, event_id) makes a repeated write (an activity retry) a no-op.
CREATE TABLE case_events (
    case_id     text NOT NULL REFERENCES cases ON DELETE CASCADE,
    seq         bigint NOT NULL,
    event_id    text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 128),
    kind        text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    actor_id    text NOT NULL CHECK (length(actor_id) BETWEEN 1 AND 64),
    actor_role  text NOT NULL CHECK (length(actor_role) BETWEEN 1 AND 64),
    at          timestamptz NOT NULL,
    reason      text CHECK (length(reason) <= 2000),
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, seq),
    CONSTRAINT case_events_event_id_unique UNIQUE (case_id, event_id)
);

CREATE TABLE reports (
    report_id    text PRIMARY KEY CHECK (length(report_id) BETWEEN 1 AND 128),
    case_id      text NOT NULL REFERENCES cases ON DELETE CASCADE,
    external_ref text NOT NULL CHECK (length(external_ref) BETWEEN 1 AND 128),
    source_kind  text NOT NULL CHECK (length(source_kind) BETWEEN 1 AND 64),
    category     text NOT NULL CHECK (length(category) BETWEEN 1 AND 64),
    severity     text NOT NULL CHECK (length(severity) BETWEEN 1 AND 64),
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    place        text NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    verified     boolean,
    verified_at  timestamptz
);
CREATE INDEX reports_case_idx ON reports (case_id);
CREATE INDEX reports_source_received_idx ON reports (source_kind, received_at);

-- The complainant's identity, apart from everything shared. Read it only through
-- register.queries.read_complainant, which demands a case-owner role.
CREATE TABLE report_complainants (
    report_id text PRIMARY KEY REFERENCES reports ON DELETE CASCADE,
    person_id text CHECK (length(person_id) <= 64),
    name      text CHECK (length(name) <= 200),
    contact   text CHECK (length(contact) <= 200)
);
CREATE INDEX report_complainants_person_idx ON report_complainants (person_id);

CREATE TABLE staff_tasks (
    task_id   text PRIMARY KEY CHECK (length(task_id) BETWEEN 1 AND 128),
    case_id   text NOT NULL REFERENCES cases ON DELETE CASCADE,
    kind      text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    role      text NOT NULL CHECK (length(role) BETWEEN 1 AND 64),
    assignee  text CHECK (length(assignee) <= 64),
    area      text NOT NULL CHECK (length(area) BETWEEN 1 AND 128),
    due_at    timestamptz NOT NULL,
    opened_at timestamptz NOT NULL,
    status    text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    closed_at timestamptz,
    escalated boolean NOT NULL DEFAULT false
);
CREATE INDEX staff_tasks_open_idx ON staff_tasks (due_at) WHERE status = 'open';
CREATE INDEX staff_tasks_case_idx ON staff_tasks (case_id);

-- The disclosure log. The partner outbox (0002) inserts here directly with exactly the
-- columns disclosure_id, case_id, partner_id, partner_kind, fields, at, legal_basis, notice_id.
CREATE TABLE disclosures (
    disclosure_id text PRIMARY KEY CHECK (length(disclosure_id) BETWEEN 1 AND 128),
    case_id       text NOT NULL REFERENCES cases ON DELETE CASCADE,
    partner_id    text NOT NULL CHECK (length(partner_id) BETWEEN 1 AND 128),
    partner_kind  text NOT NULL CHECK (length(partner_kind) BETWEEN 1 AND 128),
    fields        text[] NOT NULL,
    at            timestamptz NOT NULL,
    legal_basis   text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 200),
    notice_id     text CHECK (length(notice_id) <= 128),
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disclosures_case_idx ON disclosures (case_id);
