-- Every escalation policy a worker has run cases under, kept once per version.
--
-- `fingerprint` is the sha256 of the policy's rules (EscalationPolicy.fingerprint(): every
-- value but the Swedish calendar the worker builds); `policy` is those rules as JSON. A
-- worker records its policy at start (register/policies.py) and is refused when its
-- version is already here with another fingerprint. cases.policy_version names the row;
-- cases opened before this table existed may name a version that has none.

CREATE TABLE policy_versions (
    version         text PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 64),
    fingerprint     text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    policy          jsonb NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    last_started_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cases_policy_version_idx ON cases (policy_version) WHERE closed_at IS NULL;
