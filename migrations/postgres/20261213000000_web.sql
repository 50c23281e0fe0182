-- The web leaderboard. A guild's name, kept from its GUILD_CREATE, titles its page; the page is
-- served only while the guild has a token (set by /dailyq web on, replaced by rotate, cleared by
-- off), and only to a request that names it.
ALTER TABLE guilds ADD COLUMN name TEXT;
ALTER TABLE guilds ADD COLUMN web_token TEXT;
CREATE UNIQUE INDEX guilds_web_token ON guilds (web_token);
-- How members are shown off Discord: the display name and avatar they had when they last
-- answered (Discord's own client shows mentions; a web page has only what the bot kept).
CREATE TABLE members (
    guild_id    BIGINT NOT NULL,
    member_id   BIGINT NOT NULL,
    name        TEXT NOT NULL,
    avatar      TEXT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);
