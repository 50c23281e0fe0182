-- Leaderboard standings kept up to date in the transaction that writes the score ledger, so a
-- leaderboard or /stats reads one page and counts those ahead instead of summing the ledger.
-- One row per member and board: channel_id 0 is the whole guild; bucket is 'all',
-- 'week:YYYY-MM-DD' (the local Monday) or 'month:YYYY-MM', read in the guild's time zone.
CREATE TABLE standings (
    guild_id    BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    bucket      TEXT    NOT NULL,
    member_id   BIGINT NOT NULL,
    points      BIGINT NOT NULL,
    answers     BIGINT NOT NULL,
    PRIMARY KEY (guild_id, channel_id, bucket, member_id)
);
CREATE INDEX standings_rank ON standings (guild_id, channel_id, bucket, points DESC, answers DESC, member_id);

-- The time zone the guild's week and month buckets were built in. NULL for guilds whose ledger
-- predates standings: their standings are built from the ledger on first use.
ALTER TABLE guilds ADD COLUMN standings_tz TEXT;
