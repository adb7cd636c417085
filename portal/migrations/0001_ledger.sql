-- The ledger of the portal (DESIGN §12). Uploads are only ever inserted, never updated or deleted.
CREATE TABLE access_codes (
    id          INTEGER PRIMARY KEY,
    selector    TEXT    NOT NULL UNIQUE,            -- the code's first group, stored plain to find its row
    role        TEXT    NOT NULL CHECK (role IN ('centre', 'admin')),
    centre      TEXT,                               -- NULL for the province's admin code
    salt        BLOB    NOT NULL,
    digest      BLOB    NOT NULL,                   -- scrypt(rest of the code, salt)
    created_at  TEXT    NOT NULL,
    revoked_at  TEXT                                -- set when a new set of codes is issued
);

CREATE TABLE uploads (
    id               INTEGER PRIMARY KEY,
    token            TEXT    NOT NULL UNIQUE,       -- random, names the marked copy
    centre           TEXT    NOT NULL,              -- the signed-in centre that uploaded
    received_at      TEXT    NOT NULL,
    sha256           TEXT    NOT NULL,
    size             INTEGER NOT NULL,
    stored           TEXT    NOT NULL,              -- path of the file in the store, relative to the data folder
    status           TEXT    NOT NULL CHECK (status IN ('used', 'rejected')),
    reason           TEXT    NOT NULL DEFAULT '',
    workbook_centre  TEXT,                          -- the centre its _meta names
    valid            INTEGER NOT NULL,
    errors           INTEGER NOT NULL,
    warnings         INTEGER NOT NULL,
    counts           TEXT    NOT NULL,              -- JSON: entries read per sheet
    findings         TEXT    NOT NULL,              -- JSON: DESIGN §9 findings
    progress         TEXT    NOT NULL,              -- JSON: DESIGN §9 progress
    as_of            TEXT,
    marked           TEXT                           -- path of the marked copy, relative, NULL when none
);
CREATE INDEX uploads_by_centre ON uploads (centre, id);

CREATE TABLE consolidations (
    id        INTEGER PRIMARY KEY,
    made_at   TEXT    NOT NULL,
    report    TEXT    NOT NULL,                     -- path of the report workbook, relative
    summary   TEXT    NOT NULL                      -- JSON: DESIGN §9 consolidate output
);
