-- dailyq core schema (SQLite). Instants are unix milliseconds (INTEGER); Discord snowflakes
-- are u64 stored bit-for-bit in INTEGER (i64); flags are 0/1 (one SQL text serves both backends); lists are JSON text.

CREATE TABLE guilds (
    guild_id           INTEGER PRIMARY KEY,
    timezone           TEXT    NOT NULL DEFAULT 'UTC',
    points_answer      INTEGER NOT NULL DEFAULT 2,
    points_per_voter   INTEGER NOT NULL DEFAULT 1,
    points_top_answer  INTEGER NOT NULL DEFAULT 3,
    min_answer_chars   INTEGER NOT NULL DEFAULT 0,
    rotation_seed      INTEGER NOT NULL,
    joined_at          INTEGER NOT NULL,
    left_at            INTEGER,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE questions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 0 for the shipped bank, else the guild that wrote it.
    owner_guild_id  INTEGER NOT NULL DEFAULT 0,
    slug            TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    difficulty      TEXT    NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    prompt          TEXT    NOT NULL,
    answer          TEXT    NOT NULL,
    tags            TEXT    NOT NULL DEFAULT '[]',
    hints           TEXT    NOT NULL DEFAULT '[]',
    follow_ups      TEXT    NOT NULL DEFAULT '[]',
    sources         TEXT    NOT NULL DEFAULT '[]',
    content_hash    TEXT    NOT NULL,
    retired         INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (owner_guild_id, slug)
);
CREATE INDEX questions_live ON questions (owner_guild_id, retired, category, difficulty);

CREATE TABLE schedules (
    channel_id          INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL REFERENCES guilds (guild_id),
    post_minute         INTEGER NOT NULL CHECK (post_minute BETWEEN 0 AND 1439),
    timezone            TEXT    NOT NULL,
    weekdays            INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    category            TEXT,
    difficulty          TEXT CHECK (difficulty IN ('easy', 'medium', 'hard')),
    answer_window_secs  INTEGER NOT NULL CHECK (answer_window_secs BETWEEN 600 AND 518400),
    ping_role_id        INTEGER,
    paused              INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    next_post_at        INTEGER NOT NULL,
    created_by          INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (paused, next_post_at);
CREATE INDEX schedules_guild ON schedules (guild_id);

CREATE TABLE rounds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL REFERENCES guilds (guild_id),
    channel_id      INTEGER NOT NULL,
    question_id     INTEGER NOT NULL REFERENCES questions (id),
    -- Sequence per channel, counting only rounds that ran (streaks rely on it).
    round_number    INTEGER NOT NULL,
    -- The local date of the scheduled post: one round per channel and date.
    scheduled_date  TEXT    NOT NULL,
    -- pending (claimed, not yet on Discord) | open | revealing (deadline passed, reveal under way) | closed | skipped
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'open', 'revealing', 'closed', 'skipped')),
    -- Sent with the post as Discord's nonce, so a retried post is not duplicated.
    nonce           TEXT    NOT NULL,
    message_id      INTEGER UNIQUE,
    thread_id       INTEGER UNIQUE,
    -- The reveal's messages once posted, so a retried reveal does not post them twice.
    answer_message_id   INTEGER,
    summary_message_id  INTEGER,
    opens_at        INTEGER NOT NULL,
    closes_at       INTEGER NOT NULL,
    revealed_at     INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (channel_id, scheduled_date),
    UNIQUE (channel_id, round_number)
);
CREATE INDEX rounds_due_reveal ON rounds (state, closes_at);
CREATE INDEX rounds_guild_question ON rounds (guild_id, question_id);

CREATE TABLE answers (
    message_id    INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES rounds (id),
    author_id     INTEGER NOT NULL,
    -- NULL when the bot runs without the MESSAGE_CONTENT intent.
    content       TEXT,
    created_at    INTEGER NOT NULL,
    edited_at     INTEGER,
    withdrawn_at  INTEGER
);
CREATE INDEX answers_round ON answers (round_id, author_id);
CREATE INDEX answers_author ON answers (author_id);

CREATE TABLE votes (
    answer_message_id  INTEGER NOT NULL REFERENCES answers (message_id) ON DELETE CASCADE,
    voter_id           INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (answer_message_id, voter_id)
);
CREATE INDEX votes_voter ON votes (voter_id);

CREATE TABLE score_ledger (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    round_id    INTEGER NOT NULL REFERENCES rounds (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('answer', 'votes', 'top_answer')),
    points      INTEGER NOT NULL,
    awarded_at  INTEGER NOT NULL,
    UNIQUE (round_id, member_id, kind)
);
CREATE INDEX score_ledger_guild_time ON score_ledger (guild_id, awarded_at);
CREATE INDEX score_ledger_member ON score_ledger (guild_id, member_id);

CREATE TABLE streaks (
    channel_id  INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    current     INTEGER NOT NULL,
    best        INTEGER NOT NULL,
    last_round  INTEGER NOT NULL,
    PRIMARY KEY (channel_id, member_id)
);
CREATE INDEX streaks_member ON streaks (guild_id, member_id);
