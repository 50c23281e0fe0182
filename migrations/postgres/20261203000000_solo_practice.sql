-- Solo practice (/practice solo): per member and question, how often it was shown to them and
-- its place in their review queue (step into 1, 3, 7, 21 days, and when it is due; NULL when
-- not queued).
CREATE TABLE solo_practice (
    guild_id      BIGINT NOT NULL,
    member_id     BIGINT NOT NULL,
    question_id   BIGINT NOT NULL REFERENCES questions (id),
    shown         BIGINT NOT NULL,
    last_shown_at BIGINT NOT NULL,
    review_step   BIGINT,
    review_due    BIGINT,
    PRIMARY KEY (guild_id, member_id, question_id)
);
CREATE INDEX solo_practice_due ON solo_practice (guild_id, member_id, review_due);
