-- Practice sessions (/practice start): questions asked back to back in a channel, each a round
-- of kind 'practice' on the same engine as the daily question. Rounds get a kind, a session and
-- a slot (their key within the channel: the local date of a daily round, 'practice:<session>:<n>'
-- for a practice question), and number per channel *and kind*, so a practice session never
-- shifts the daily question's numbers or breaks its streaks.
CREATE TABLE practice_sessions (
    id                     BIGSERIAL PRIMARY KEY,
    guild_id               BIGINT NOT NULL REFERENCES guilds (guild_id),
    channel_id             BIGINT NOT NULL,
    started_by             BIGINT NOT NULL,
    category               TEXT,
    difficulty             TEXT CHECK (difficulty IN ('easy', 'medium', 'hard')),
    planned                BIGINT NOT NULL CHECK (planned BETWEEN 0 AND 20),
    minutes                BIGINT NOT NULL CHECK (minutes BETWEEN 2 AND 60),
    state                  TEXT   NOT NULL CHECK (state IN ('running', 'finished')),
    scoreboard_message_id  BIGINT,
    finish_attempts        BIGINT NOT NULL DEFAULT 0,
    started_at             BIGINT NOT NULL,
    finished_at            BIGINT
);
CREATE UNIQUE INDEX practice_sessions_running ON practice_sessions (channel_id) WHERE state = 'running';
CREATE INDEX practice_sessions_state ON practice_sessions (state, guild_id);

ALTER TABLE rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'practice'));
ALTER TABLE rounds ADD COLUMN session_id BIGINT REFERENCES practice_sessions (id);
ALTER TABLE rounds ADD COLUMN slot TEXT;
UPDATE rounds SET slot = scheduled_date;
ALTER TABLE rounds ALTER COLUMN slot SET NOT NULL;
ALTER TABLE rounds DROP CONSTRAINT rounds_channel_id_scheduled_date_key;
ALTER TABLE rounds DROP CONSTRAINT rounds_channel_id_round_number_key;
ALTER TABLE rounds ADD CONSTRAINT rounds_channel_slot UNIQUE (channel_id, slot);
ALTER TABLE rounds ADD CONSTRAINT rounds_channel_kind_number UNIQUE (channel_id, kind, round_number);
CREATE INDEX rounds_session ON rounds (session_id) WHERE session_id IS NOT NULL;

ALTER TABLE score_ledger ADD COLUMN board TEXT NOT NULL DEFAULT 'daily' CHECK (board IN ('daily', 'practice'));
ALTER TABLE score_ledger ADD COLUMN also_daily BIGINT NOT NULL DEFAULT 0 CHECK (also_daily IN (0, 1));

ALTER TABLE guilds ADD COLUMN practice_role_id BIGINT;
ALTER TABLE guilds ADD COLUMN practice_on_daily BIGINT NOT NULL DEFAULT 0 CHECK (practice_on_daily IN (0, 1));
