-- Member suggestions: each waits in the guild's review channel until an editor approves it
-- (it becomes one of the server's questions, crediting the member) or rejects it with a reason.
ALTER TABLE guilds ADD COLUMN suggestion_channel_id INTEGER;
CREATE TABLE suggestions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id           INTEGER NOT NULL,
    member_id          INTEGER NOT NULL,
    prompt             TEXT NOT NULL,
    answer             TEXT,
    category           TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    created_at         INTEGER NOT NULL,
    review_channel_id  INTEGER NOT NULL,
    review_message_id  INTEGER,
    decided_at         INTEGER,
    decided_by         INTEGER,
    reason             TEXT,
    question_id        INTEGER
);
CREATE INDEX suggestions_by_member ON suggestions (guild_id, member_id, created_at);
