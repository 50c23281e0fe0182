-- Solo practice (/practice solo): per member and question, how often it was shown to them and
-- its place in their review queue (step into 1, 3, 7, 21 days, and when it is due; NULL when
-- not queued).
CREATE TABLE solo_practice (
    guild_id      INTEGER NOT NULL,
    member_id     INTEGER NOT NULL,
    question_id   INTEGER NOT NULL REFERENCES questions (id),
    shown         INTEGER NOT NULL,
    last_shown_at INTEGER NOT NULL,
    review_step   INTEGER,
    review_due    INTEGER,
    PRIMARY KEY (guild_id, member_id, question_id)
);
CREATE INDEX solo_practice_due ON solo_practice (guild_id, member_id, review_due);
