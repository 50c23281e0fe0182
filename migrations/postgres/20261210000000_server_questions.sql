-- Each server's own questions: a question with owner_guild_id = the guild belongs to it alone.
-- They record who wrote them (and who suggested them); a guild may name a role of question
-- editors besides Manage Server; and each schedule and practice session draws from the shipped
-- bank, the server's own questions, or both.
ALTER TABLE questions ADD COLUMN created_by BIGINT;
ALTER TABLE questions ADD COLUMN suggested_by BIGINT;
ALTER TABLE guilds ADD COLUMN question_editor_role BIGINT;
ALTER TABLE schedules ADD COLUMN source TEXT NOT NULL DEFAULT 'both' CHECK (source IN ('shipped', 'server', 'both'));
ALTER TABLE practice_sessions ADD COLUMN source TEXT NOT NULL DEFAULT 'both' CHECK (source IN ('shipped', 'server', 'both'));
-- An import waits here between its preview and the importer's confirmation (the file itself,
-- checked again when confirmed); done_at marks it confirmed or cancelled, once.
CREATE TABLE question_imports (
    id          BIGSERIAL PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    member_id   BIGINT NOT NULL,
    file_name   TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    done_at     BIGINT,
    outcome     TEXT CHECK (outcome IN ('imported', 'cancelled'))
);
