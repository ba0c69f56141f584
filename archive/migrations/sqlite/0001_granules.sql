-- Granules: one row per harmonised file. Times are milliseconds since the Unix epoch (UTC), so
-- that the same schema works on PostgreSQL (BIGINT) and range queries compare integers.
CREATE TABLE granules (
    id            INTEGER PRIMARY KEY,
    collection    TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    object_key    TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    time_start    BIGINT  NOT NULL,
    time_end      BIGINT  NOT NULL,
    west          DOUBLE PRECISION NOT NULL,
    south         DOUBLE PRECISION NOT NULL,
    east          DOUBLE PRECISION NOT NULL,
    north         DOUBLE PRECISION NOT NULL,
    footprint     TEXT,
    time_steps    TEXT    NOT NULL,
    variables     TEXT    NOT NULL,
    size          BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    source_name   TEXT    NOT NULL,
    source_sha256 TEXT    NOT NULL,
    original_key  TEXT,
    ingested_at   BIGINT  NOT NULL,
    UNIQUE (collection, name)
);
CREATE UNIQUE INDEX granules_object_key ON granules (object_key);
CREATE INDEX granules_collection_time ON granules (collection, time_start, time_end);

-- Files that failed harmonisation or QC, with the reason, kept for operators.
CREATE TABLE quarantine (
    id            INTEGER PRIMARY KEY,
    collection    TEXT,
    source_path   TEXT    NOT NULL,
    stored_path   TEXT,
    source_sha256 TEXT,
    reason        TEXT    NOT NULL,
    at            BIGINT  NOT NULL
);
CREATE INDEX quarantine_at ON quarantine (at);
