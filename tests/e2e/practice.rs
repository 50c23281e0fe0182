//! Solo practice: a private question with hints and the reference answer on demand, marks, and
//! the review queue bringing a question back after its interval.

use crate::harness::{App, WAIT, start_instant};
use chrono::Duration;
use dailyq::domain::{GuildId, UserId};
use fake_discord::{ResponseKind, opt, sub};

async fn solo_practice_shows_hints_and_the_answer_and_brings_a_review_back_after_a_day(app: &mut App) {
    crate::common::execute(
        app.db_url(),
        r#"UPDATE questions SET hints = '["Start from what the question asks you to compare."]'"#,
    )
    .await;
    let channel = app.channel("general");
    let alice = app.member("alice");
    let guild = GuildId(app.fake.guild_id());
    let first = alice
        .slash(
            channel,
            "practice",
            vec![sub("solo", vec![opt("category", "databases")])],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(first.is_ephemeral(), "solo practice is private");
    assert!(first.text().contains("Practice · Databases"), "{}", first.text());
    let ids = first.custom_ids();
    assert_eq!(
        ids.len(),
        5,
        "Hint, Show answer, Another, Got it, Review later: {ids:?}"
    );

    // Discord shows the message to Alice alone; a press forged by someone else is refused.
    let forged = app
        .member("bob")
        .click(channel, first.id, &ids[1])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(forged.ephemeral, "{}", forged.text());
    assert!(forged.text().contains("someone else's"), "{}", forged.text());
    assert!(!forged.text().contains("Reference answer"), "{}", forged.text());

    let hint = alice
        .click(channel, first.id, &ids[0])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert_eq!(hint.kind, ResponseKind::Message);
    assert!(
        hint.ephemeral && hint.text().contains("Start from what the question asks"),
        "{}",
        hint.text()
    );
    let answer = alice
        .click(channel, first.id, &ids[1])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        answer.ephemeral && answer.text().contains("Reference answer"),
        "{}",
        answer.text()
    );

    // Review later: the message says when it comes back, and the queue holds it.
    let marked = alice
        .click(channel, first.id, &ids[4])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert_eq!(marked.kind, ResponseKind::UpdateMessage);
    assert!(
        marked.text().contains("Review later: it comes back"),
        "{}",
        marked.text()
    );
    let now = start_instant();
    let queued = app
        .store
        .due_reviews(guild, UserId(alice.id), now + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    let reviewed = app.store.question(queued[0]).await.unwrap();
    let prompt_start: String = reviewed.prompt.chars().take(40).collect();
    assert!(
        first.text().contains(&prompt_start),
        "the queued question is the one shown"
    );

    // Another: a different databases question, in place.
    let another = alice
        .click(channel, first.id, &ids[2])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert_eq!(another.kind, ResponseKind::UpdateMessage);
    assert!(
        another.text().contains("Practice · Databases"),
        "{}",
        another.text()
    );
    assert!(!another.text().contains(&prompt_start), "{}", another.text());

    // The next day, practice without a filter starts with the question to review.
    app.set_clock(now + Duration::days(1) + Duration::minutes(1));
    let next_day = alice
        .slash(channel, "practice", vec![sub("solo", vec![])])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(next_day.text().contains(&prompt_start), "{}", next_day.text());

    let stats = alice
        .slash(channel, "stats", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(
        stats.text().contains("Practised alone, per category"),
        "{}",
        stats.text()
    );
    assert!(stats.text().contains("Databases: 2"), "{}", stats.text());
}

async fn solo_practice_with_a_category_the_bank_lacks_gets_a_sentence(app: &mut App) {
    let channel = app.channel("general");
    let reply = app
        .member("alice")
        .slash(
            channel,
            "practice",
            vec![sub("solo", vec![opt("category", "astrology")])],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(reply.is_ephemeral());
    assert!(
        reply.text().contains("is not a category of the question bank"),
        "{}",
        reply.text()
    );
}

crate::e2e_on_both_backends!(
    solo_practice_shows_hints_and_the_answer_and_brings_a_review_back_after_a_day,
    solo_practice_with_a_category_the_bank_lacks_gets_a_sentence,
);
