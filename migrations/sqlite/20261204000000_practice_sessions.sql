-- no-transaction
-- Practice sessions (/practice start): questions asked back to back in a channel, each a round
-- of kind 'practice' on the same engine as the daily question. Rounds get a kind, a session and
-- a slot (their key within the channel: the local date of a daily round, 'practice:<session>:<n>'
-- for a practice question), and number per channel *and kind*, so a practice session never
-- shifts the daily question's numbers or breaks its streaks. SQLite cannot drop a table's
-- UNIQUE constraint, so `rounds` is rebuilt (SQLite's documented procedure: foreign keys off,
-- copy, drop, rename, check, in one transaction).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE practice_sessions (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id               INTEGER NOT NULL REFERENCES guilds (guild_id),
    channel_id             INTEGER NOT NULL,
    started_by             INTEGER NOT NULL,
    category               TEXT,
    difficulty             TEXT CHECK (difficulty IN ('easy', 'medium', 'hard')),
    -- Questions it will ask; /practice stop lowers it to the number asked so far.
    planned                INTEGER NOT NULL CHECK (planned BETWEEN 0 AND 20),
    minutes                INTEGER NOT NULL CHECK (minutes BETWEEN 2 AND 60),
    state                  TEXT    NOT NULL CHECK (state IN ('running', 'finished')),
    scoreboard_message_id  INTEGER,
    finish_attempts        INTEGER NOT NULL DEFAULT 0,
    started_at             INTEGER NOT NULL,
    finished_at            INTEGER
);
-- One running session per channel.
CREATE UNIQUE INDEX practice_sessions_running ON practice_sessions (channel_id) WHERE state = 'running';
CREATE INDEX practice_sessions_state ON practice_sessions (state, guild_id);

CREATE TABLE rounds_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL REFERENCES guilds (guild_id),
    channel_id      INTEGER NOT NULL,
    question_id     INTEGER NOT NULL REFERENCES questions (id),
    kind            TEXT    NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'practice')),
    session_id      INTEGER REFERENCES practice_sessions (id),
    -- Sequence per channel and kind, counting only rounds that ran (streaks rely on it).
    round_number    INTEGER NOT NULL,
    -- The round's key within its channel (see above).
    slot            TEXT    NOT NULL,
    -- The local date the round belongs to.
    scheduled_date  TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'open', 'revealing', 'closed', 'skipped')),
    nonce           TEXT    NOT NULL,
    message_id      INTEGER UNIQUE,
    thread_id       INTEGER UNIQUE,
    answer_message_id   INTEGER,
    summary_message_id  INTEGER,
    opens_at        INTEGER NOT NULL,
    closes_at       INTEGER NOT NULL,
    revealed_at     INTEGER,
    created_at      INTEGER NOT NULL,
    post_attempts   INTEGER NOT NULL DEFAULT 0,
    reveal_attempts INTEGER NOT NULL DEFAULT 0,
    reveal_owner    TEXT,
    reveal_lease_until INTEGER,
    UNIQUE (channel_id, slot),
    UNIQUE (channel_id, kind, round_number)
);
INSERT INTO rounds_new (id, guild_id, channel_id, question_id, kind, session_id, round_number, slot,
        scheduled_date, state, nonce, message_id, thread_id, answer_message_id, summary_message_id,
        opens_at, closes_at, revealed_at, created_at, post_attempts, reveal_attempts, reveal_owner,
        reveal_lease_until)
    SELECT id, guild_id, channel_id, question_id, 'daily', NULL, round_number, scheduled_date,
        scheduled_date, state, nonce, message_id, thread_id, answer_message_id, summary_message_id,
        opens_at, closes_at, revealed_at, created_at, post_attempts, reveal_attempts, reveal_owner,
        reveal_lease_until
    FROM rounds;
DROP TABLE rounds;
ALTER TABLE rounds_new RENAME TO rounds;
CREATE INDEX rounds_due_reveal ON rounds (state, closes_at);
CREATE INDEX rounds_guild_question ON rounds (guild_id, question_id);
CREATE INDEX rounds_session ON rounds (session_id) WHERE session_id IS NOT NULL;

-- Ledger lines say which board they count on: 'daily' or 'practice' (and, for practice lines
-- of a guild that counts practice on the daily board too, also_daily = 1), so standings rebuilt
-- from the ledger put every line where it was first counted.
ALTER TABLE score_ledger ADD COLUMN board TEXT NOT NULL DEFAULT 'daily' CHECK (board IN ('daily', 'practice'));
ALTER TABLE score_ledger ADD COLUMN also_daily INTEGER NOT NULL DEFAULT 0 CHECK (also_daily IN (0, 1));

-- Who may start practice sessions besides Manage Server, and whether practice points also count
-- on the daily board.
ALTER TABLE guilds ADD COLUMN practice_role_id INTEGER;
ALTER TABLE guilds ADD COLUMN practice_on_daily INTEGER NOT NULL DEFAULT 0 CHECK (practice_on_daily IN (0, 1));

COMMIT;
PRAGMA foreign_keys = ON;
