-- A channel's queue: questions an admin chose to come next, ahead of rotation, lowest priority
-- first. Claiming a round from the queue deletes its entry in the same transaction.
CREATE TABLE question_queue (
    id           BIGSERIAL PRIMARY KEY,
    channel_id   BIGINT NOT NULL,
    guild_id     BIGINT NOT NULL,
    question_id  BIGINT NOT NULL REFERENCES questions (id),
    priority     BIGINT NOT NULL,
    added_by     BIGINT NOT NULL,
    added_at     BIGINT NOT NULL
);
CREATE INDEX question_queue_next ON question_queue (channel_id, priority, id);
-- A series: a question may follow another (by id, in its own bank or the shipped one); rotation
-- asks it only a few rounds after that one.
ALTER TABLE questions ADD COLUMN follows TEXT;
