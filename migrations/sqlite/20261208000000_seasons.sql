-- Seasons: a guild's competition periods (monthly by default), a recap channel, an optional
-- champion role, and each finished season recapped once. recapped_until is where the last recap
-- ended (or where recaps started); next_recap_at is when the next one is due, so the scheduler
-- finds due recaps with an index instead of computing every guild's periods.
ALTER TABLE guilds ADD COLUMN season_kind TEXT NOT NULL DEFAULT 'monthly' CHECK (season_kind IN ('monthly', 'weekly', 'off'));
ALTER TABLE guilds ADD COLUMN recap_channel_id INTEGER;
ALTER TABLE guilds ADD COLUMN champion_role_id INTEGER;
ALTER TABLE guilds ADD COLUMN recapped_until INTEGER;
ALTER TABLE guilds ADD COLUMN next_recap_at INTEGER;
CREATE INDEX guilds_next_recap ON guilds (next_recap_at) WHERE next_recap_at IS NOT NULL;
CREATE TABLE seasons (
    guild_id          INTEGER NOT NULL,
    number            INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('monthly', 'weekly')),
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER NOT NULL,
    -- The standings bucket of the season (its leaderboard).
    bucket            TEXT    NOT NULL,
    channel_id        INTEGER NOT NULL,
    state             TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    recap_message_id  INTEGER,
    recap_attempts    INTEGER NOT NULL DEFAULT 0,
    -- Who got the champion role (JSON list of ids), to take it back next season.
    champions         TEXT    NOT NULL DEFAULT '[]',
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, number),
    UNIQUE (guild_id, starts_at)
);
CREATE INDEX seasons_pending ON seasons (state, guild_id);
