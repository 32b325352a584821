-- The staff web app's own records: who has signed in (so the team lead can hand a task
-- to a named colleague), each person's saved inbox filters and digest choice, and one
-- row per digest sent (so a Schedule run that is retried never mails twice in a day).
--
-- `name` and `email` are staff data from the identity provider, shown to colleagues in
-- the web app only; never in logs, search attributes or anything sent to a partner.

CREATE TABLE web_staff (
    subject    text PRIMARY KEY CHECK (length(subject) BETWEEN 1 AND 64),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    roles      text[] NOT NULL DEFAULT '{}',
    last_seen  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE web_preferences (
    subject       text PRIMARY KEY REFERENCES web_staff ON DELETE CASCADE,
    saved_filters jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(saved_filters) = 'array'),
    digest        boolean NOT NULL DEFAULT false,
    digest_email  text CHECK (length(digest_email) BETWEEN 3 AND 254),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT web_preferences_digest_needs_email CHECK (NOT digest OR digest_email IS NOT NULL)
);

CREATE TABLE web_digests_sent (
    subject text NOT NULL REFERENCES web_staff ON DELETE CASCADE,
    day     date NOT NULL,
    tasks   integer NOT NULL CHECK (tasks >= 0),
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, day)
);

CREATE INDEX staff_tasks_open_role_idx ON staff_tasks (role, due_at) WHERE status = 'open';
CREATE INDEX staff_tasks_open_assignee_idx ON staff_tasks (assignee, due_at) WHERE status = 'open';
