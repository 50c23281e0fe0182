-- Mock-interview pairing (/pair, /dailyq pairing): a guild's pairing time and channel, the pool
-- of members waiting for the next pairing, each pairing (once per guild and due instant), its
-- pairs with the question each side asks and their private thread, and the ratings partners
-- give each other.
CREATE TABLE pairing_settings (
    guild_id     INTEGER PRIMARY KEY REFERENCES guilds (guild_id),
    channel_id   INTEGER NOT NULL,
    post_minute  INTEGER NOT NULL CHECK (post_minute BETWEEN 0 AND 1439),
    timezone     TEXT    NOT NULL,
    weekdays     INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    next_at      INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX pairing_settings_due ON pairing_settings (next_at);

CREATE TABLE pair_pool (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    level      TEXT CHECK (level IN ('junior', 'mid', 'senior')),
    topics     TEXT    NOT NULL DEFAULT '[]',
    joined_at  INTEGER NOT NULL,
    -- 1 when the member was the odd one out last time: first in line next time.
    waiting    INTEGER NOT NULL DEFAULT 0 CHECK (waiting IN (0, 1)),
    PRIMARY KEY (guild_id, member_id)
);

CREATE TABLE pairings (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id            INTEGER NOT NULL,
    channel_id          INTEGER NOT NULL,
    due_at              INTEGER NOT NULL,
    waiting_member_id   INTEGER,
    -- pending until its summary is posted (or could not be, for good): then done.
    state               TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    summary_message_id  INTEGER,
    summary_attempts    INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    UNIQUE (guild_id, due_at)
);

CREATE TABLE pairs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    pairing_id        INTEGER NOT NULL REFERENCES pairings (id),
    guild_id          INTEGER NOT NULL,
    member_a          INTEGER NOT NULL,
    member_b          INTEGER NOT NULL,
    -- The question a asks b (first half) and b asks a (second half).
    question_for_b    INTEGER NOT NULL REFERENCES questions (id),
    question_for_a    INTEGER NOT NULL REFERENCES questions (id),
    -- pending until its private thread and intro are posted: then ready (or failed, for good).
    state             TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'failed')),
    thread_id         INTEGER UNIQUE,
    intro_message_id  INTEGER,
    thread_attempts   INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);
CREATE INDEX pairs_pairing ON pairs (pairing_id, state);
CREATE INDEX pairings_state ON pairings (state, guild_id);
CREATE INDEX pairs_guild_members ON pairs (guild_id, member_a, member_b);

CREATE TABLE pair_ratings (
    pair_id   INTEGER NOT NULL REFERENCES pairs (id),
    rater_id  INTEGER NOT NULL,
    rated_id  INTEGER NOT NULL,
    rubric    TEXT    NOT NULL CHECK (rubric IN ('clarity', 'depth', 'communication')),
    score     INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    rated_at  INTEGER NOT NULL,
    PRIMARY KEY (pair_id, rater_id, rubric)
);
CREATE INDEX pair_ratings_rated ON pair_ratings (rated_id);
