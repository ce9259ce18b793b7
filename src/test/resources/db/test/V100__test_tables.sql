-- Tables the integration tests upload into, beside the demo's customers.
-- All tally.migrations locations share one Flyway history, hence one version sequence: the test
-- tables start at 100 so that db/demo can grow without colliding.

-- Policies, presence and the sequential model: a conflict key, a second unique index, a check
-- constraint, a NOT NULL column without default and a version column.
CREATE TABLE things (
    id      bigint  PRIMARY KEY,
    code    text    UNIQUE,
    label   text    NOT NULL,
    qty     integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
    note    text,
    version bigint
);

-- One column of every type Tally converts.
CREATE TABLE typed (
    id       bigint PRIMARY KEY,
    i2       smallint,
    i4       integer,
    i8       bigint,
    num      numeric(5,2),
    num_free numeric,
    r        real,
    d        double precision,
    b        boolean,
    t        text,
    vc       varchar(5),
    ch       char(3),
    u        uuid,
    dt       date,
    ts       timestamp,
    tstz     timestamptz,
    j        json,
    jb       jsonb,
    arr_i    integer[],
    arr_t    text[]
);
