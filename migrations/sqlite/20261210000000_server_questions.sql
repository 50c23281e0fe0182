-- Each server's own questions: a question with owner_guild_id = the guild belongs to it alone.
-- They record who wrote them (and who suggested them); a guild may name a role of question
-- editors besides Manage Server; and each schedule and practice session draws from the shipped
-- bank, the server's own questions, or both.
ALTER TABLE questions ADD COLUMN created_by INTEGER;
ALTER TABLE questions ADD COLUMN suggested_by INTEGER;
ALTER TABLE guilds ADD COLUMN question_editor_role INTEGER;
ALTER TABLE schedules ADD COLUMN source TEXT NOT NULL DEFAULT 'both' CHECK (source IN ('shipped', 'server', 'both'));
ALTER TABLE practice_sessions ADD COLUMN source TEXT NOT NULL DEFAULT 'both' CHECK (source IN ('shipped', 'server', 'both'));
