//! Every query the daily loop runs is served by an index (checked on SQLite's query planner).

use crate::common::TestDb;
use sqlx::{Connection, Row};

/// The access patterns of the scheduler, the event handlers and the reveal.
const LOOP_QUERIES: [&str; 15] = [
    "SELECT * FROM schedules WHERE paused = 0 AND next_post_at <= 5 ORDER BY next_post_at, channel_id",
    "SELECT MIN(next_post_at) FROM schedules WHERE paused = 0",
    "SELECT * FROM rounds r WHERE r.state IN ('open', 'revealing') AND r.closes_at <= 5",
    "SELECT MIN(closes_at) FROM rounds WHERE state IN ('open', 'revealing')",
    "SELECT * FROM rounds r WHERE r.thread_id = 5 OR r.message_id = 5",
    "SELECT * FROM rounds r WHERE r.channel_id = 1 AND r.slot = '2026-06-10'",
    "SELECT * FROM answers WHERE round_id = 1 AND withdrawn_at IS NULL",
    "SELECT COUNT(*) FROM votes WHERE answer_message_id = 3",
    "SELECT v.voter_id FROM votes v JOIN answers a ON a.message_id = v.answer_message_id WHERE a.round_id = 1",
    "SELECT member_id, SUM(points) FROM score_ledger WHERE guild_id = 1 AND awarded_at >= 0 AND awarded_at < 9 GROUP BY member_id",
    "SELECT q.id, (SELECT COUNT(*) FROM rounds r WHERE r.guild_id = 1 AND r.question_id = q.id) FROM questions q WHERE q.retired = 0 AND q.owner_guild_id IN (0, 1)",
    "SELECT MAX(round_number) FROM rounds WHERE channel_id = 1 AND kind = 'daily' AND state = 'closed' AND round_number < 3",
    "SELECT COALESCE(MAX(round_number), 0) + 1 FROM rounds WHERE channel_id = 1 AND kind = 'practice'",
    "SELECT * FROM rounds r WHERE r.session_id = 4 AND r.state IN ('pending', 'open', 'revealing')",
    "SELECT * FROM practice_sessions s WHERE s.channel_id = 1 AND s.state = 'running'",
];

#[tokio::test]
async fn every_loop_query_uses_an_index_instead_of_scanning_a_table() {
    let db = TestDb::sqlite().await;
    let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
    for sql in LOOP_QUERIES {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>("detail")).collect();
        assert!(plan.iter().any(|d| d.contains("USING")), "{sql}: {plan:?}");
        assert!(
            !plan.iter().any(|d| d.starts_with("SCAN")),
            "{sql} scans a table: {plan:?}"
        );
    }
    conn.close().await.unwrap();
    db.finish().await;
}
