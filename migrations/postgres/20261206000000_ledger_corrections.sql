-- Admin corrections (/dailyq points, /dailyq disqualify) are ledger lines too, never edits of
-- past points: an 'adjustment' (an admin's points for a member, no round) or a 'correction' (the
-- change a disqualification after the reveal makes to a round's awards). Each records the admin,
-- the reason and the interaction that made it (source_id; unique with the member, so a retried
-- interaction writes nothing twice). The award kinds stay unique per round and member.
ALTER TABLE score_ledger ALTER COLUMN round_id DROP NOT NULL;
ALTER TABLE score_ledger DROP CONSTRAINT score_ledger_kind_check;
ALTER TABLE score_ledger ADD CONSTRAINT score_ledger_kind_check
    CHECK (kind IN ('answer', 'votes', 'top_answer', 'adjustment', 'correction'));
ALTER TABLE score_ledger ADD COLUMN admin_id BIGINT;
ALTER TABLE score_ledger ADD COLUMN reason TEXT;
ALTER TABLE score_ledger ADD COLUMN source_id BIGINT;
-- A correction's change to the member's answered rounds (-1 when they lose the round).
ALTER TABLE score_ledger ADD COLUMN answers_delta BIGINT NOT NULL DEFAULT 0;
ALTER TABLE score_ledger ADD CONSTRAINT score_ledger_correction_source
    CHECK ((kind IN ('adjustment', 'correction')) = (admin_id IS NOT NULL AND source_id IS NOT NULL));
ALTER TABLE score_ledger ADD CONSTRAINT score_ledger_round_needed CHECK (kind = 'adjustment' OR round_id IS NOT NULL);
ALTER TABLE score_ledger DROP CONSTRAINT score_ledger_round_id_member_id_kind_key;
CREATE UNIQUE INDEX score_ledger_award ON score_ledger (round_id, member_id, kind)
    WHERE kind IN ('answer', 'votes', 'top_answer');
CREATE INDEX score_ledger_round ON score_ledger (round_id);
CREATE UNIQUE INDEX score_ledger_source ON score_ledger (source_id, member_id) WHERE source_id IS NOT NULL;
CREATE INDEX score_ledger_corrections ON score_ledger (guild_id, kind, member_id) WHERE kind IN ('adjustment', 'correction');

ALTER TABLE answers ADD COLUMN disqualified_at BIGINT;
