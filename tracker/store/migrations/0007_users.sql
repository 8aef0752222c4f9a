-- Version 7: people who sign in to the console, and archived campaigns.
-- A user is an e-mail address (lower-cased), a password hash (werkzeug's
-- scrypt; never the password) and a role: admin changes things, viewer reads.
-- An archived campaign leaves the console's list; its links keep working.

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

ALTER TABLE campaigns ADD COLUMN archived_at TEXT;
