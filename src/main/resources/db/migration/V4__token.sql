-- API tokens of a large set-up (small ones list them in tally.security.tokens): never the token,
-- only its SHA-256 in lower-case hex, as `printf %s "$TOKEN" | sha256sum` prints it.
CREATE TABLE tally.token (
    name       text PRIMARY KEY,
    sha256     text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- admin, write:<dataset>, read:<dataset>
    scopes     text[] NOT NULL CHECK (cardinality(scopes) > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
