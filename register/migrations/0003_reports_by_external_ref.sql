-- Intake looks a tenancy's earlier reports up by the case system's external_ref
-- (register.queries.prior_report), before a new case opens and before a report joins
-- an open one, so a repeat is answered with the first receipt across closed cases.
CREATE INDEX reports_external_ref_idx ON reports (external_ref, case_id);
