-- Download statistics. One row per data-bearing response, except map images (WMS GetMap, WMTS
-- and XYZ tiles), which are counted per day, user, protocol and collection.
CREATE TABLE downloads (
    id            INTEGER PRIMARY KEY,
    at            BIGINT  NOT NULL,
    user_name     TEXT,
    client        TEXT    NOT NULL,
    protocol      TEXT    NOT NULL,
    collection    TEXT,
    granule       TEXT,
    bytes         BIGINT  NOT NULL,
    status        INTEGER NOT NULL,
    duration_ms   BIGINT  NOT NULL
);
CREATE INDEX downloads_at ON downloads (at);

CREATE TABLE map_counters (
    day           TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    protocol      TEXT    NOT NULL,
    collection    TEXT    NOT NULL,
    requests      BIGINT  NOT NULL,
    bytes         BIGINT  NOT NULL,
    PRIMARY KEY (day, user_name, protocol, collection)
);
