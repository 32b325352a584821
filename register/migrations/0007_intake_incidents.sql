-- Intake incidents: a report signal refused while its workflow run had no case open
-- (undecodable, invalid, sent unencrypted, or with the wrong arguments). The run ends
-- after writing its row, so an operator finds here what was refused and why; a refusal
-- that reaches an open case is recorded in that case instead (an `intake_refused` event
-- and a `review_refused_intake` task for the team lead).
--
-- Codes and field names only, never a value that was sent: `fields` and `reasons` are
-- parallel arrays (the reasons are the validator's messages with the value removed).

CREATE TABLE intake_incidents (
    incident_id text PRIMARY KEY CHECK (length(incident_id) BETWEEN 1 AND 200),
    workflow_id text NOT NULL CHECK (length(workflow_id) BETWEEN 1 AND 128),
    run_id      text NOT NULL CHECK (length(run_id) BETWEEN 1 AND 128),
    at          timestamptz NOT NULL,
    cause       text NOT NULL CHECK (cause IN ('invalid', 'undecodable', 'unencrypted', 'wrong_arguments')),
    fields      text[] NOT NULL CHECK (cardinality(fields) BETWEEN 1 AND 50),
    reasons     text[] NOT NULL CHECK (cardinality(reasons) = cardinality(fields)),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intake_incidents_at_idx ON intake_incidents (at);
CREATE INDEX intake_incidents_workflow_idx ON intake_incidents (workflow_id);
