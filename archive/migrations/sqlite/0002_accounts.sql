-- Users, groups, grants, API tokens and access requests. Times are milliseconds since the Unix
-- epoch (UTC), as in the granules table.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    email         TEXT,
    password_hash TEXT,
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE groups (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE group_members (
    group_id      INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

-- A grant lets one user, or every member of one group, read a restricted collection.
CREATE TABLE grants (
    id            INTEGER PRIMARY KEY,
    collection    TEXT    NOT NULL,
    user_id       INTEGER REFERENCES users (id) ON DELETE CASCADE,
    group_id      INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    created_at    BIGINT  NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX grants_user ON grants (collection, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX grants_group ON grants (collection, group_id) WHERE group_id IS NOT NULL;

-- Long-lived API tokens: only the SHA-256 of the secret is kept, and a short prefix to tell
-- tokens apart in listings.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    hash          TEXT    NOT NULL UNIQUE,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT
);

CREATE TABLE access_requests (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    collection    TEXT    NOT NULL,
    message       TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'pending',
    created_at    BIGINT  NOT NULL,
    decided_at    BIGINT,
    decided_by    TEXT
);
CREATE INDEX access_requests_status ON access_requests (status, created_at);
