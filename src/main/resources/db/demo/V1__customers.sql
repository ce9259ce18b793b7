-- The standard workload's table (shared/BENCHMARK.md), served as the demo dataset `customers`.
CREATE TABLE IF NOT EXISTS customers (
    id         bigint        PRIMARY KEY,
    email      text          NOT NULL UNIQUE,
    name       text          NOT NULL,
    balance    numeric(12,2) NOT NULL DEFAULT 0,
    attrs      jsonb,
    updated_at timestamptz   NOT NULL
);
