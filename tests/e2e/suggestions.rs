//! Member suggestions: sent through a form, held to a cap and a cooldown, reviewed by editors in
//! the review channel (approve, edit & approve, reject with a reason), the member told the
//! outcome, and an approved question credited when it is asked.

use crate::harness::{App, WAIT, start_instant, wait_for_post};
use chrono::Duration;
use dailyq::domain::{GuildId, UserId};
use fake_discord::{FakeMessage, Interaction, opt, sub};

/// `who` opens `/suggest` and sends the form; returns the submission (for its follow-ups) and
/// the private reply.
async fn suggest(app: &App, who: &str, channel: u64, fields: &[(&str, &str)]) -> (Interaction, String) {
    let open = app.member(who).slash(channel, "suggest", vec![]);
    let opened = open.wait_response(WAIT).await.unwrap();
    if opened.modal().is_none() {
        return (open, opened.text());
    }
    let submit = app.member(who).submit_opened_modal(&open, fields);
    let reply = submit.wait_response(WAIT).await.unwrap();
    assert!(reply.ephemeral, "{}", reply.text());
    (submit, reply.text())
}

/// The review message of suggestion `n` in `channel`.
async fn review_message(app: &App, channel: u64, n: i64) -> FakeMessage {
    let marker = format!("Suggestion #{n} ");
    app.fake
        .wait_for_bot_message(channel, |m| m.text().contains(&marker), WAIT)
        .await
        .expect("the review message")
}

async fn suggestions_are_reviewed_by_editors_and_the_member_is_told(app: &mut App) {
    let channel = app.channel("dailyq");
    let review = app.channel("general");
    let guild = GuildId(app.fake.guild_id());
    let (off, text) = suggest(app, "alice", channel, &[]).await;
    assert!(text.contains("takes no question suggestions"), "{text}");
    drop(off);
    let on = app
        .dailyq("admin", channel, "suggestions", vec![opt("channel", review)])
        .await;
    assert!(on.text().contains("editors review them"), "{}", on.text());

    let (alices, text) = suggest(
        app,
        "alice",
        channel,
        &[
            ("prompt", "How would you shard a chat app's messages?"),
            (
                "answer",
                "By conversation id, so one conversation stays on one shard.",
            ),
            ("category", "System-Design"),
        ],
    )
    .await;
    assert!(text.contains("waiting for the editors' review"), "{text}");
    let first = review_message(app, review, 1).await;
    assert!(first.text().contains("By conversation id") && !first.text().contains("Likely duplicate"));
    // A second one at once is too soon (by Discord's clock), and nothing is written.
    let (_, too_soon) = suggest(app, "alice", channel, &[]).await;
    assert!(too_soon.contains("you can suggest another"), "{too_soon}");
    assert_eq!(
        app.store
            .suggestion_limits(guild, UserId(app.member("alice").id))
            .await
            .unwrap()
            .0,
        1
    );

    app.advance(Duration::minutes(11));
    let (bobs, _) = suggest(
        app,
        "bob",
        channel,
        &[
            ("prompt", "What does our deploy pipeline check before production?"),
            ("category", "onboarding"),
        ],
    )
    .await;
    let second = review_message(app, review, 2).await;
    assert!(second.text().contains("(none given)"), "{}", second.text());
    let (carols, _) = suggest(
        app,
        "carol",
        channel,
        &[
            (
                "prompt",
                "What does ACID stand for? Explain each property with an example of what goes wrong",
            ),
            ("category", "databases"),
        ],
    )
    .await;
    let third = review_message(app, review, 3).await;
    assert!(
        third.text().contains("Likely duplicate") && third.text().contains("db-acid-basics"),
        "{}",
        third.text()
    );

    // Only editors review.
    let refused = app
        .member("carol")
        .click(review, first.id, "dq:sg:a:1")
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        refused.ephemeral && refused.text().contains("Only members with Manage Server"),
        "{}",
        refused.text()
    );
    assert!(app.store.own_questions(guild).await.unwrap().is_empty());

    // Approve: the question is the server's, credited; Alice is told where she asked.
    let approved = app
        .member("admin")
        .click(review, first.id, "dq:sg:a:1")
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        approved.text().contains("approved as own-1"),
        "{}",
        approved.text()
    );
    assert!(
        app.fake.message(first.id).unwrap().custom_ids().is_empty(),
        "no more buttons"
    );
    let told = alices.wait_followups(1, WAIT).await.unwrap();
    assert!(
        told[0].text().contains("approved") && told[0].is_ephemeral(),
        "{}",
        told[0].text()
    );
    let own1 = app.store.guild_question(guild, "own-1").await.unwrap().unwrap();
    assert_eq!(own1.suggested_by, Some(UserId(app.member("alice").id)));

    // No answer yet: Approve asks for Edit & approve, whose form the editor completes.
    let needs = app
        .member("admin")
        .click(review, second.id, "dq:sg:a:2")
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(needs.text().contains("Edit & approve"), "{}", needs.text());
    let edit = app.member("admin").click(review, second.id, "dq:sg:e:2");
    let form = edit
        .wait_response(WAIT)
        .await
        .unwrap()
        .modal()
        .expect("the edit form");
    assert_eq!(
        form.input("prompt").unwrap().value.as_deref(),
        Some("What does our deploy pipeline check before production?")
    );
    let done = app
        .member("admin")
        .submit_opened_modal(
            &edit,
            &[
                ("answer", "Tests, a security scan and a canary."),
                ("difficulty", "easy"),
            ],
        )
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(done.text().contains("approved as own-2"), "{}", done.text());
    assert!(
        bobs.wait_followups(1, WAIT).await.unwrap()[0]
            .text()
            .contains("own-2")
    );

    // Reject with a reason, which the member is told.
    let reject = app.member("admin").click(review, third.id, "dq:sg:r:3");
    assert!(reject.wait_response(WAIT).await.unwrap().modal().is_some());
    let rejected = app
        .member("admin")
        .submit_opened_modal(
            &reject,
            &[("reason", "The bank already asks this as db-acid-basics.")],
        )
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(rejected.text().contains("rejected"), "{}", rejected.text());
    let told = carols.wait_followups(1, WAIT).await.unwrap();
    assert!(told[0].text().contains("already asks this"), "{}", told[0].text());
    assert_eq!(app.store.own_questions(guild).await.unwrap().len(), 2);

    // An approved suggestion is credited (not pinged) when it is asked.
    let retired = app
        .member("admin")
        .slash(
            channel,
            "questions",
            vec![sub("retire", vec![opt("id", "own-2")])],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(retired.text().contains("retired"), "{}", retired.text());
    crate::harness::set_up_daily_with(app, channel, "09:30", vec![opt("source", 1)]).await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, _) = wait_for_post(app, channel, 1).await;
    let post = app.fake.message(post).unwrap();
    assert!(
        post.content
            .contains(&format!("suggested by <@{}>", app.member("alice").id)),
        "{}",
        post.content
    );
}

crate::e2e_on_both_backends!(suggestions_are_reviewed_by_editors_and_the_member_is_told);
