-- Harvesting (ingest/src/harvest). Times are milliseconds since the Unix epoch (UTC).

-- One row per remote file a source has seen: what it looked like when last handled and what
-- became of it, so that a later run fetches only new or changed files.
CREATE TABLE harvest_files (
    source        TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    size          BIGINT,
    remote_mtime  BIGINT,
    checksum      TEXT,
    -- ingested, unchanged, spooled, quarantined, rejected (bad checksum, size, archive), failed (fetch)
    outcome       TEXT    NOT NULL,
    detail        TEXT,
    bytes         BIGINT  NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 1,
    handled_at    BIGINT  NOT NULL,
    PRIMARY KEY (source, url)
);
CREATE INDEX harvest_files_handled ON harvest_files (source, handled_at);

-- One row per run of a source.
CREATE TABLE harvest_runs (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    node          TEXT    NOT NULL,
    started_at    BIGINT  NOT NULL,
    finished_at   BIGINT,
    listed        INTEGER NOT NULL DEFAULT 0,
    fetched       INTEGER NOT NULL DEFAULT 0,
    bytes         BIGINT  NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT
);
CREATE INDEX harvest_runs_source ON harvest_runs (source, started_at);

-- One lease per source: the node holding it (until expires_at) is the only one harvesting it.
CREATE TABLE harvest_leases (
    source        TEXT    PRIMARY KEY,
    holder        TEXT    NOT NULL,
    expires_at    BIGINT  NOT NULL
);

-- Everything an operator should look at: failed fetches, checksum mismatches, quarantined files,
-- silent sources, overrunning runs.
CREATE TABLE anomalies (
    id              INTEGER PRIMARY KEY,
    at              BIGINT  NOT NULL,
    level           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    source          TEXT,
    collection      TEXT,
    summary         TEXT    NOT NULL,
    reference       TEXT,
    details         TEXT    NOT NULL DEFAULT '{}',
    acknowledged_at BIGINT,
    acknowledged_by TEXT
);
CREATE INDEX anomalies_at ON anomalies (at);

-- Every quarantined file is an anomaly, whoever quarantined it (`iroise ingest` or a harvest);
-- a harvest then adds its source and the remote URL to the row.
CREATE TRIGGER quarantine_is_an_anomaly AFTER INSERT ON quarantine
BEGIN
    INSERT INTO anomalies (at, level, kind, collection, summary, reference, details)
    VALUES (NEW.at, 'error', 'quarantined', NEW.collection, 'quarantined: ' || NEW.reason, NEW.source_path,
            json_object('quarantine_id', NEW.id, 'stored_path', NEW.stored_path, 'source_sha256', NEW.source_sha256));
END;
