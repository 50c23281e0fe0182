-- Reminders: a schedule may remind before each deadline (remind_before_secs); each round keeps
-- when its reminder is due and whether it was posted (once, like every post). Members opt in per
-- channel with the Remind me button on a question post.
ALTER TABLE schedules ADD COLUMN remind_before_secs INTEGER;
ALTER TABLE rounds ADD COLUMN remind_at INTEGER;
ALTER TABLE rounds ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0 CHECK (reminded IN (0, 1));
ALTER TABLE rounds ADD COLUMN reminder_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX rounds_due_reminder ON rounds (reminded, remind_at) WHERE remind_at IS NOT NULL;
CREATE TABLE reminder_subscriptions (
    channel_id  INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (channel_id, member_id)
);
