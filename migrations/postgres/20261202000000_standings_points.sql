-- How many members of each board and bucket have each points total, kept with the standings.
-- A leaderboard finds where a page starts, how many members the board has, and how many are
-- ahead of a member by reading these few rows (one per distinct total) instead of walking the
-- standings index, which has no order statistics. Rows whose count fell to 0 are kept; they
-- cost nothing to sum and come back when a member reaches that total again.
CREATE TABLE standings_points (
    guild_id    BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    bucket      TEXT    NOT NULL,
    points      BIGINT NOT NULL,
    members     BIGINT NOT NULL,
    PRIMARY KEY (guild_id, channel_id, bucket, points)
);

INSERT INTO standings_points (guild_id, channel_id, bucket, points, members)
SELECT guild_id, channel_id, bucket, points, COUNT(*)
FROM standings
GROUP BY guild_id, channel_id, bucket, points;
