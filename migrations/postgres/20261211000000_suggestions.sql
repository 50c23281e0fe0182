-- Member suggestions: each waits in the guild's review channel until an editor approves it
-- (it becomes one of the server's questions, crediting the member) or rejects it with a reason.
ALTER TABLE guilds ADD COLUMN suggestion_channel_id BIGINT;
CREATE TABLE suggestions (
    id                 BIGSERIAL PRIMARY KEY,
    guild_id           BIGINT NOT NULL,
    member_id          BIGINT NOT NULL,
    prompt             TEXT NOT NULL,
    answer             TEXT,
    category           TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    created_at         BIGINT NOT NULL,
    review_channel_id  BIGINT NOT NULL,
    review_message_id  BIGINT,
    decided_at         BIGINT,
    decided_by         BIGINT,
    reason             TEXT,
    question_id        BIGINT
);
CREATE INDEX suggestions_by_member ON suggestions (guild_id, member_id, created_at);
