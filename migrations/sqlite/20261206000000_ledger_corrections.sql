-- no-transaction
-- Admin corrections (/dailyq points, /dailyq disqualify) are ledger lines too, never edits of
-- past points: an 'adjustment' (an admin's points for a member, no round) or a 'correction' (the
-- change a disqualification after the reveal makes to a round's awards). Each records the admin,
-- the reason and the interaction that made it (source_id; unique with the member, so a retried
-- interaction writes nothing twice). The award kinds stay unique per round and member. SQLite cannot relax NOT NULL
-- or a CHECK in place, so the ledger is rebuilt by SQLite's documented procedure, like `rounds`.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE score_ledger_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    -- 0 for an adjustment of the whole server.
    channel_id  INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    round_id    INTEGER REFERENCES rounds (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('answer', 'votes', 'top_answer', 'adjustment', 'correction')),
    points      INTEGER NOT NULL,
    awarded_at  INTEGER NOT NULL,
    board       TEXT    NOT NULL DEFAULT 'daily' CHECK (board IN ('daily', 'practice')),
    also_daily  INTEGER NOT NULL DEFAULT 0 CHECK (also_daily IN (0, 1)),
    admin_id    INTEGER,
    reason      TEXT,
    source_id   INTEGER,
    -- A correction's change to the member's answered rounds (-1 when they lose the round).
    answers_delta INTEGER NOT NULL DEFAULT 0,
    CHECK ((kind IN ('adjustment', 'correction')) = (admin_id IS NOT NULL AND source_id IS NOT NULL)),
    CHECK (kind = 'adjustment' OR round_id IS NOT NULL)
);
INSERT INTO score_ledger_new (id, guild_id, channel_id, member_id, round_id, kind, points, awarded_at, board, also_daily)
    SELECT id, guild_id, channel_id, member_id, round_id, kind, points, awarded_at, board, also_daily FROM score_ledger;
DROP TABLE score_ledger;
ALTER TABLE score_ledger_new RENAME TO score_ledger;
CREATE UNIQUE INDEX score_ledger_award ON score_ledger (round_id, member_id, kind)
    WHERE kind IN ('answer', 'votes', 'top_answer');
CREATE INDEX score_ledger_guild_time ON score_ledger (guild_id, awarded_at);
CREATE INDEX score_ledger_member ON score_ledger (guild_id, member_id);
CREATE INDEX score_ledger_round ON score_ledger (round_id);
CREATE UNIQUE INDEX score_ledger_source ON score_ledger (source_id, member_id) WHERE source_id IS NOT NULL;
CREATE INDEX score_ledger_corrections ON score_ledger (guild_id, kind, member_id) WHERE kind IN ('adjustment', 'correction');

-- An answer an admin disqualified: withdrawn, and never restored by an edit or the reveal.
ALTER TABLE answers ADD COLUMN disqualified_at INTEGER;
COMMIT;
PRAGMA foreign_keys = ON;
