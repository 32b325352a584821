-- Case incidents: a case workflow terminated or reset from outside the ladder (the
-- Temporal Web UI's Terminate and Reset, `temporal workflow terminate/reset`, the API).
-- A workflow cannot see its own termination, so the incident sweep (workflows/incidents.py)
-- finds such runs through Temporal's visibility and writes one row per run here, together
-- with a `case_terminated_outside_ladder` / `case_reset_outside_ladder` event in the case's
-- trail and a `review_case_incident` task for the team lead, in one transaction.
--
-- Codes and ids only: the kind, the run, when it closed and when it was found; never the
-- reason an operator typed into Temporal (free text, which can hold anything).

CREATE TABLE case_incidents (
    incident_id text PRIMARY KEY CHECK (length(incident_id) BETWEEN 1 AND 200),
    case_id     text NOT NULL REFERENCES cases (case_id) ON DELETE CASCADE,
    workflow_id text NOT NULL CHECK (length(workflow_id) BETWEEN 1 AND 128),
    run_id      text NOT NULL CHECK (length(run_id) BETWEEN 1 AND 128),
    kind        text NOT NULL CHECK (kind IN ('terminated', 'reset')),
    at          timestamptz NOT NULL,
    found_at    timestamptz NOT NULL,
    task_id     text NOT NULL,
    reviewed_at timestamptz,
    reviewed_by text CHECK (reviewed_by IS NULL OR length(reviewed_by) BETWEEN 1 AND 64),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_incidents_case_idx ON case_incidents (case_id);
CREATE INDEX case_incidents_open_idx ON case_incidents (at) WHERE reviewed_at IS NULL;
