-- Mock-interview pairing (/pair, /dailyq pairing): a guild's pairing time and channel, the pool
-- of members waiting for the next pairing, each pairing (once per guild and due instant), its
-- pairs with the question each side asks and their private thread, and the ratings partners
-- give each other.
CREATE TABLE pairing_settings (
    guild_id     BIGINT PRIMARY KEY REFERENCES guilds (guild_id),
    channel_id   BIGINT NOT NULL,
    post_minute  BIGINT NOT NULL CHECK (post_minute BETWEEN 0 AND 1439),
    timezone     TEXT    NOT NULL,
    weekdays     BIGINT NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    next_at      BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX pairing_settings_due ON pairing_settings (next_at);

CREATE TABLE pair_pool (
    guild_id   BIGINT NOT NULL,
    member_id  BIGINT NOT NULL,
    level      TEXT CHECK (level IN ('junior', 'mid', 'senior')),
    topics     TEXT    NOT NULL DEFAULT '[]',
    joined_at  BIGINT NOT NULL,
    -- 1 when the member was the odd one out last time: first in line next time.
    waiting    BIGINT NOT NULL DEFAULT 0 CHECK (waiting IN (0, 1)),
    PRIMARY KEY (guild_id, member_id)
);

CREATE TABLE pairings (
    id                  BIGSERIAL PRIMARY KEY,
    guild_id            BIGINT NOT NULL,
    channel_id          BIGINT NOT NULL,
    due_at              BIGINT NOT NULL,
    waiting_member_id   BIGINT,
    -- pending until its summary is posted (or could not be, for good): then done.
    state               TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    summary_message_id  BIGINT,
    summary_attempts    BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    UNIQUE (guild_id, due_at)
);

CREATE TABLE pairs (
    id                BIGSERIAL PRIMARY KEY,
    pairing_id        BIGINT NOT NULL REFERENCES pairings (id),
    guild_id          BIGINT NOT NULL,
    member_a          BIGINT NOT NULL,
    member_b          BIGINT NOT NULL,
    -- The question a asks b (first half) and b asks a (second half).
    question_for_b    BIGINT NOT NULL REFERENCES questions (id),
    question_for_a    BIGINT NOT NULL REFERENCES questions (id),
    -- pending until its private thread and intro are posted: then ready (or failed, for good).
    state             TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'failed')),
    thread_id         BIGINT UNIQUE,
    intro_message_id  BIGINT,
    thread_attempts   BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL
);
CREATE INDEX pairs_pairing ON pairs (pairing_id, state);
CREATE INDEX pairings_state ON pairings (state, guild_id);
CREATE INDEX pairs_guild_members ON pairs (guild_id, member_a, member_b);

CREATE TABLE pair_ratings (
    pair_id   BIGINT NOT NULL REFERENCES pairs (id),
    rater_id  BIGINT NOT NULL,
    rated_id  BIGINT NOT NULL,
    rubric    TEXT    NOT NULL CHECK (rubric IN ('clarity', 'depth', 'communication')),
    score     BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    rated_at  BIGINT NOT NULL,
    PRIMARY KEY (pair_id, rater_id, rubric)
);
CREATE INDEX pair_ratings_rated ON pair_ratings (rated_id);
