-- Blind rounds: a schedule with a vote phase (vote_window_secs) is blind. Its rounds keep their
-- answer deadline (answers_close_at; closes_at stays the reveal), when their answers were all
-- published, and how often publishing was attempted (the first attempt seals the round).
-- Sealed answers wait in sealed_answers, one per member and round, until they are published as
-- the bot's messages in the thread; each published one is then an ordinary answer (answers),
-- attributed to its member, so votes, scoring and corrections work unchanged.
ALTER TABLE schedules ADD COLUMN vote_window_secs INTEGER;
ALTER TABLE rounds ADD COLUMN answers_close_at INTEGER;
ALTER TABLE rounds ADD COLUMN published_at INTEGER;
ALTER TABLE rounds ADD COLUMN publish_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX rounds_due_publish ON rounds (answers_close_at) WHERE answers_close_at IS NOT NULL AND published_at IS NULL;
CREATE TABLE sealed_answers (
    round_id      INTEGER NOT NULL REFERENCES rounds (id),
    member_id     INTEGER NOT NULL,
    guild_id      INTEGER NOT NULL,
    content       TEXT NOT NULL,
    -- Discord's time of the first submission, and of the latest change.
    submitted_at  INTEGER NOT NULL,
    edited_at     INTEGER,
    -- Its place in the published order, then the bot's message that published it.
    position      INTEGER,
    message_id    INTEGER UNIQUE,
    PRIMARY KEY (round_id, member_id)
);
