-- How many times a round's question post and its reveal were attempted. A retry after a crash
-- (attempts already above zero) first looks on Discord for what an earlier attempt may have
-- posted; a first attempt sends straight away. Also feeds the per-round retry backoff.
ALTER TABLE rounds ADD COLUMN post_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN reveal_attempts INTEGER NOT NULL DEFAULT 0;

-- Upvotes the bot saw arrive at or after a round's deadline. Discord's reaction lists carry no
-- time, so the reveal, which reads them, leaves these voters out of the answer's count.
CREATE TABLE late_votes (
    answer_message_id  INTEGER NOT NULL REFERENCES answers (message_id) ON DELETE CASCADE,
    voter_id           INTEGER NOT NULL,
    seen_at            INTEGER NOT NULL,
    PRIMARY KEY (answer_message_id, voter_id)
);
