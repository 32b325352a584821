-- The register follows the case's committed history, not a turn Temporal never kept.
--
-- A case writes its register records in a local activity, inside the workflow task that
-- decided them, so that the inbox is current when a step returns. When that workflow task
-- is then lost (the Temporal server killed before it stored the completion, a worker killed
-- after writing), the turn never happened, but its writes are in PostgreSQL. The case
-- replays from its history and takes that turn again, perhaps with another Update first and
-- so with the same ids for other records.
--
-- Every batch of a case's turn is stamped with its run id, its number in the run (mark) and
-- the number of the batch before it (after), which replaying the run's history gives back
-- exactly. A batch that finds the run's last mark above its `after` is a turn taken again:
-- before it writes, the register takes back what the run wrote past `after`
-- (register/turns.py): it deletes the rows those turns created and restores the rows they
-- changed from the image kept in `undo`.
--
-- Rows written before this migration carry no stamp and are never taken back.

CREATE TABLE register_turns (
    run_id  text PRIMARY KEY CHECK (length(run_id) BETWEEN 1 AND 64),
    case_id text NOT NULL REFERENCES cases ON DELETE CASCADE,
    mark    bigint NOT NULL CHECK (mark >= 0),
    -- the history length when the workflow task that wrote `mark` began: an attempt of an
    -- older task (one Temporal gave to another worker meanwhile) is too late and writes nothing
    task_length bigint NOT NULL DEFAULT 0
);

-- Who created a row (turn_run, turn_mark), and the row as it was before the last turn
-- that changed it (undo, with that turn's undo_run, undo_mark).
ALTER TABLE cases
    ADD COLUMN turn_run text, ADD COLUMN turn_mark bigint,
    ADD COLUMN undo jsonb, ADD COLUMN undo_run text, ADD COLUMN undo_mark bigint;
ALTER TABLE case_stages ADD COLUMN turn_run text, ADD COLUMN turn_mark bigint;
ALTER TABLE case_events ADD COLUMN turn_run text, ADD COLUMN turn_mark bigint;
ALTER TABLE reports
    ADD COLUMN turn_run text, ADD COLUMN turn_mark bigint,
    ADD COLUMN undo jsonb, ADD COLUMN undo_run text, ADD COLUMN undo_mark bigint;
ALTER TABLE staff_tasks
    ADD COLUMN turn_run text, ADD COLUMN turn_mark bigint,
    ADD COLUMN undo jsonb, ADD COLUMN undo_run text, ADD COLUMN undo_mark bigint;
