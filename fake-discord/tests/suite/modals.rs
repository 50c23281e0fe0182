//! Modals: the bot opens one (callback type 9) on a command or a component, Discord checks its
//! shape, a member submits it (an interaction of type 5) and the bot answers the submission.

use fake_discord::{FakeDiscord, Interaction, ResponseKind, TextInput, TextInputStyle, intents};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use serenity::{
    ActionRowComponent, CreateActionRow, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateModal, Http, InputTextStyle, MessageInteractionMetadata,
};

use crate::helpers::{
    Path, RawGateway, WAIT, api, code, http, interaction_of, register_commands, respond, start_fake,
};

/// A fake with `/answer` registered and a raw gateway session that sees interactions.
async fn with_answer_command() -> (FakeDiscord, RawGateway, Http) {
    let fake = start_fake().await;
    register_commands(&fake, json!([{ "name": "answer", "description": "Answer" }])).await;
    let (gw, _) = RawGateway::identify(&fake, intents::GUILDS).await;
    let http = http(&fake, Path::Proxy);
    http.set_application_id(serenity::ApplicationId::new(fake.application_id()));
    (fake, gw, http)
}

/// The modal `/answer` opens through serenity: a paragraph with limits and a prefilled,
/// optional short input.
fn answer_modal() -> CreateModal {
    CreateModal::new("answer:42", "Your answer").components(vec![
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Paragraph, "Solution", "solution")
                .min_length(10)
                .max_length(1000)
                .placeholder("Explain your approach"),
        ),
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Short, "Language", "language")
                .value("Rust")
                .required(false),
        ),
    ])
}

/// Alice runs `/answer` and the bot (serenity, over REST) opens [`answer_modal`].
async fn open_answer_modal(fake: &FakeDiscord, gw: &mut RawGateway, http: &Http) -> Interaction {
    let opened = fake
        .member("alice")
        .slash(fake.channel("general"), "answer", vec![]);
    let frame = gw.recv_dispatch("INTERACTION_CREATE").await;
    let command = interaction_of(&frame).command().expect("a command interaction");
    command
        .create_response(http, CreateInteractionResponse::Modal(answer_modal()))
        .await
        .expect("the modal is accepted");
    opened
}

/// A modal body with one short text input; `edit` makes it invalid in one place.
fn modal_body(edit: impl FnOnce(&mut Value)) -> Value {
    let mut data = json!({ "custom_id": "m", "title": "Title", "components": [
        { "type": 1, "components": [{ "type": 4, "custom_id": "a", "style": 1, "label": "A" }] }
    ] });
    edit(&mut data);
    json!({ "type": 9, "data": data })
}

/// One change that makes a modal invalid.
type Edit = Box<dyn FnOnce(&mut Value)>;

fn modal_submission(frame: &Value) -> serenity::ModalInteraction {
    interaction_of(frame)
        .modal_submit()
        .expect("a modal submit interaction")
}

/// `(custom_id, value)` of every text input of a submission, row by row.
fn submitted_values(modal: &serenity::ModalInteraction) -> Vec<(String, String)> {
    modal
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .map(|c| match c {
            ActionRowComponent::InputText(t) => (t.custom_id.clone(), t.value.clone().unwrap_or_default()),
            other => panic!("not a text input: {other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_modal_the_bot_opens_on_a_command_is_recorded_with_its_text_inputs() {
    let (fake, mut gw, http) = with_answer_command().await;
    let opened = open_answer_modal(&fake, &mut gw, &http).await;
    let response = opened.wait_response(WAIT).await.expect("answered");
    assert_eq!(response.kind, ResponseKind::Modal);
    assert!(response.message.is_none(), "a modal makes no message");
    let modal = response.modal().expect("a modal");
    assert_eq!(
        (modal.custom_id.as_str(), modal.title.as_str()),
        ("answer:42", "Your answer")
    );
    assert_eq!(
        modal.inputs,
        [
            TextInput {
                custom_id: "solution".to_owned(),
                label: "Solution".to_owned(),
                style: TextInputStyle::Paragraph,
                min_length: Some(10),
                max_length: Some(1000),
                required: true,
                value: None,
                placeholder: Some("Explain your approach".to_owned()),
            },
            TextInput {
                custom_id: "language".to_owned(),
                label: "Language".to_owned(),
                style: TextInputStyle::Short,
                min_length: None,
                max_length: None,
                required: false,
                value: Some("Rust".to_owned()),
                placeholder: None,
            },
        ]
    );
    assert_eq!(
        modal.input("language").and_then(|i| i.value.as_deref()),
        Some("Rust")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_submission_sends_every_input_of_the_opened_modal_and_serenity_reads_it() {
    let (fake, mut gw, http) = with_answer_command().await;
    let opened = open_answer_modal(&fake, &mut gw, &http).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let submitted = alice.submit_modal(general, "answer:42", &[("solution", "reverse it in place")]);
    let frame = gw.recv_dispatch("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["type"], 5);
    let modal = modal_submission(&frame);
    assert_eq!(modal.id.get(), submitted.id);
    assert_eq!(modal.data.custom_id, "answer:42");
    assert_eq!(
        submitted_values(&modal),
        [
            ("solution".to_owned(), "reverse it in place".to_owned()),
            ("language".to_owned(), "Rust".to_owned()),
        ],
        "the given value, and the prefilled one left as it was"
    );
    assert_eq!(modal.user.id.get(), alice.id);
    assert_eq!(modal.channel_id.get(), general);
    assert_eq!(modal.guild_id.map(|g| g.get()), Some(fake.guild_id()));
    assert!(modal.member.as_ref().and_then(|m| m.permissions).is_some());
    assert!(modal.app_permissions.is_some());
    assert!(modal.message.is_none(), "opened from a command, not a message");

    let reply = CreateInteractionResponseMessage::new()
        .content("saved")
        .ephemeral(true);
    modal
        .create_response(&http, CreateInteractionResponse::Message(reply))
        .await
        .expect("the submission is answered");
    let response = submitted.wait_response(WAIT).await.expect("answered");
    assert_eq!(response.kind, ResponseKind::Message);
    assert!(response.ephemeral);
    assert_eq!(response.text(), "saved");
    let original = modal.get_response(&http).await.expect("original response");
    match original.interaction_metadata.as_deref() {
        Some(MessageInteractionMetadata::ModalSubmit(m)) => {
            assert_eq!(m.id.get(), submitted.id);
            match &*m.triggering_interaction_metadata {
                MessageInteractionMetadata::Command(c) => assert_eq!(c.id.get(), opened.id),
                other => panic!("the modal was opened by a command, not {other:?}"),
            }
        }
        other => panic!("no modal submit metadata: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_modal_cannot_answer_a_modal_submission() {
    let (fake, mut gw, _http) = with_answer_command().await;
    let general = fake.channel("general");
    // The bot opened no such modal (say, before a restart): the fields go as given.
    let submitted = fake
        .member("bob")
        .submit_modal(general, "stale:1", &[("a", "x"), ("b", "")]);
    let frame = gw.recv_dispatch("INTERACTION_CREATE").await;
    assert_eq!(
        submitted_values(&modal_submission(&frame)),
        [("a".to_owned(), "x".to_owned()), ("b".to_owned(), String::new())]
    );
    let (status, body) = respond(&fake, &submitted, modal_body(|_| {})).await;
    assert_eq!((status, code(&body)), (400, 50035), "{body}");
    assert!(
        submitted.response().is_none(),
        "a refused callback answers nothing"
    );
    let reply = json!({ "type": 4, "data": { "content": "thanks" } });
    assert_eq!(respond(&fake, &submitted, reply).await.0, 204);
    assert_eq!(submitted.response().expect("answered").text(), "thanks");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_modals_are_refused_field_by_field_with_50035() {
    let (fake, _gw, _http) = with_answer_command().await;
    // One interaction per case: each interaction's callbacks are their own rate-limit bucket.
    let open = || {
        fake.member("alice")
            .slash(fake.channel("general"), "answer", vec![])
    };
    let long = |n: usize| "x".repeat(n);
    let input = "/errors/data/components/0/components/0";
    let one_input_row =
        json!({ "type": 1, "components": [{ "type": 4, "custom_id": "r", "style": 1, "label": "R" }] });
    let cases: Vec<(&str, Edit, String)> = vec![
        (
            "empty title",
            Box::new(|d| d["title"] = json!("")),
            "/errors/data/title".to_owned(),
        ),
        (
            "title over 45",
            Box::new(move |d| d["title"] = json!(long(46))),
            "/errors/data/title".to_owned(),
        ),
        (
            "no custom_id",
            Box::new(|d| d["custom_id"] = Value::Null),
            "/errors/data/custom_id".to_owned(),
        ),
        (
            "custom_id over 100",
            Box::new(move |d| d["custom_id"] = json!(long(101))),
            "/errors/data/custom_id".to_owned(),
        ),
        (
            "no rows",
            Box::new(|d| d["components"] = json!([])),
            "/errors/data/components".to_owned(),
        ),
        (
            "six rows",
            Box::new({
                let row = one_input_row.clone();
                move |d| {
                    d["components"] = json!(
                        (0..6)
                            .map(|i| {
                                let mut row = row.clone();
                                row["components"][0]["custom_id"] = json!(format!("r{i}"));
                                row
                            })
                            .collect::<Vec<_>>()
                    )
                }
            }),
            "/errors/data/components".to_owned(),
        ),
        (
            "two inputs in a row",
            Box::new(|d| {
                d["components"][0]["components"] = json!([
                    { "type": 4, "custom_id": "a", "style": 1, "label": "A" },
                    { "type": 4, "custom_id": "b", "style": 1, "label": "B" },
                ])
            }),
            "/errors/data/components/0/components".to_owned(),
        ),
        (
            "a button in a modal",
            Box::new(|d| {
                d["components"][0]["components"][0] =
                    json!({ "type": 2, "custom_id": "a", "style": 1, "label": "A" })
            }),
            format!("{input}/type"),
        ),
        (
            "style 3",
            Box::new(|d| d["components"][0]["components"][0]["style"] = json!(3)),
            format!("{input}/style"),
        ),
        (
            "no label",
            Box::new(|d| d["components"][0]["components"][0]["label"] = Value::Null),
            format!("{input}/label"),
        ),
        (
            "label over 45",
            Box::new(move |d| d["components"][0]["components"][0]["label"] = json!(long(46))),
            format!("{input}/label"),
        ),
        (
            "input custom_id empty",
            Box::new(|d| d["components"][0]["components"][0]["custom_id"] = json!("")),
            format!("{input}/custom_id"),
        ),
        (
            "min_length over 4000",
            Box::new(|d| d["components"][0]["components"][0]["min_length"] = json!(4001)),
            format!("{input}/min_length"),
        ),
        (
            "max_length 0",
            Box::new(|d| d["components"][0]["components"][0]["max_length"] = json!(0)),
            format!("{input}/max_length"),
        ),
        (
            "value over 4000",
            Box::new(move |d| d["components"][0]["components"][0]["value"] = json!(long(4001))),
            format!("{input}/value"),
        ),
        (
            "placeholder over 100",
            Box::new(move |d| d["components"][0]["components"][0]["placeholder"] = json!(long(101))),
            format!("{input}/placeholder"),
        ),
    ];
    for (what, edit, path) in cases {
        let opened = open();
        let (status, body) = respond(&fake, &opened, modal_body(edit)).await;
        assert_eq!((status, code(&body)), (400, 50035), "{what}: {body}");
        assert!(
            body.pointer(&format!("{path}/_errors/0/code")).is_some(),
            "{what}: no error at {path}: {body:#}"
        );
        assert!(opened.response().is_none(), "{what}: refused, so unanswered");
    }
    let opened = open();
    // Every limit is inclusive: 45, 100, 4000, five rows.
    let at_the_limits = modal_body(|d| {
        d["title"] = json!(long(45));
        d["custom_id"] = json!(long(100));
        d["components"] = json!(
            (0..5)
                .map(|i| json!({ "type": 1, "components": [{
                "type": 4, "custom_id": format!("{i}{}", long(99)), "style": 2, "label": long(45),
                "min_length": 0, "max_length": 4000, "value": long(4000), "placeholder": long(100),
                "required": false,
            }] }))
                .collect::<Vec<_>>()
        );
    });
    let (status, body) = respond(&fake, &opened, at_the_limits).await;
    assert_eq!(status, 204, "{body}");
    let modal = opened.response().and_then(|r| r.modal()).expect("a modal");
    assert_eq!(modal.inputs.len(), 5);
    assert!(modal.inputs.iter().all(|i| i.style == TextInputStyle::Paragraph));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_modal_opened_from_a_button_carries_its_message_and_may_update_it() {
    let (fake, mut gw, http) = with_answer_command().await;
    let general = fake.channel("general");
    let post = json!({ "content": "Q: reverse a list", "components": [{ "type": 1, "components": [
        { "type": 2, "style": 1, "custom_id": "answer:open", "label": "Answer" }
    ] }] });
    let (status, posted) = api(
        &fake,
        "POST",
        &format!("/channels/{general}/messages"),
        Some(post),
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let question: u64 = posted["id"].as_str().unwrap().parse().unwrap();
    let carol = fake.member("carol");

    let click = carol.click(general, question, "answer:open");
    assert_eq!(gw.recv_dispatch("INTERACTION_CREATE").await["d"]["type"], 3);
    let form = modal_body(|d| d["custom_id"] = json!("answer:form"));
    assert_eq!(respond(&fake, &click, form.clone()).await.0, 204);
    assert_eq!(click.wait_response(WAIT).await.unwrap().kind, ResponseKind::Modal);
    let submitted = carol.submit_modal_on(general, question, "answer:form", &[("a", "x")]);
    let modal = modal_submission(&gw.recv_dispatch("INTERACTION_CREATE").await);
    assert_eq!(modal.message.as_ref().map(|m| m.id.get()), Some(question));
    let update = CreateInteractionResponseMessage::new().content("Q: reverse a list (answered)");
    modal
        .create_response(&http, CreateInteractionResponse::UpdateMessage(update))
        .await
        .expect("the message is updated");
    let response = submitted.wait_response(WAIT).await.unwrap();
    assert_eq!(response.kind, ResponseKind::UpdateMessage);
    let updated = fake.message(question).unwrap();
    assert_eq!(
        (updated.content.as_str(), updated.edited),
        ("Q: reverse a list (answered)", true)
    );

    // Opened from the button again; submitting without naming the message still carries it.
    let click = carol.click(general, question, "answer:open");
    assert_eq!(gw.recv_dispatch("INTERACTION_CREATE").await["d"]["type"], 3);
    assert_eq!(respond(&fake, &click, form).await.0, 204);
    let again = carol.submit_modal(general, "answer:form", &[("a", "y")]);
    let modal = modal_submission(&gw.recv_dispatch("INTERACTION_CREATE").await);
    assert_eq!(modal.message.as_ref().map(|m| m.id.get()), Some(question));
    assert_eq!(respond(&fake, &again, json!({ "type": 6 })).await.0, 204);
    assert_eq!(again.response().unwrap().kind, ResponseKind::DeferredUpdate);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_submission_from_a_command_is_answered_deferred_but_has_no_message_to_update() {
    let (fake, mut gw, http) = with_answer_command().await;
    open_answer_modal(&fake, &mut gw, &http).await;
    let submitted = fake.member("alice").submit_modal(
        fake.channel("general"),
        "answer:42",
        &[("solution", "two pointers, swap")],
    );
    for kind in [6, 7] {
        let body = json!({ "type": kind, "data": { "content": "edited" } });
        let (status, body) = respond(&fake, &submitted, body).await;
        assert_eq!((status, code(&body)), (400, 50035), "type {kind}: {body}");
    }
    assert_eq!(respond(&fake, &submitted, json!({ "type": 5 })).await.0, 204);
    let response = submitted.wait_response(WAIT).await.unwrap();
    assert_eq!(response.kind, ResponseKind::DeferredMessage);
    assert!(response.message.expect("thinking").is_loading());
    let (status, _) = api(
        &fake,
        "POST",
        &format!("/webhooks/{}/{}", fake.application_id(), submitted.token),
        Some(json!({ "content": "graded: 9/10" })),
    )
    .await;
    assert_eq!(status, 200);
    let message = submitted.wait_message(WAIT).await.expect("filled");
    assert_eq!(message.content, "graded: 9/10");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_does_not_submit_values_the_modal_does_not_allow() {
    let (fake, mut gw, http) = with_answer_command().await;
    open_answer_modal(&fake, &mut gw, &http).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let refused = |fields: &[(&str, &str)]| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            alice.submit_modal(general, "answer:42", fields);
        }))
        .is_err()
    };
    assert!(refused(&[("solution", "too short")]), "under min_length 10");
    assert!(
        refused(&[("solution", &"x".repeat(1001))]),
        "over max_length 1000"
    );
    assert!(refused(&[]), "the solution is required");
    assert!(
        refused(&[("solution", "long enough!"), ("colour", "red")]),
        "no such input"
    );
    let submitted = alice.submit_modal(
        general,
        "answer:42",
        &[("solution", "long enough!"), ("language", "")],
    );
    let modal = modal_submission(&gw.recv_dispatch("INTERACTION_CREATE").await);
    assert_eq!(
        modal.id.get(),
        submitted.id,
        "only the allowed submission was sent"
    );
    assert_eq!(
        submitted_values(&modal),
        [
            ("solution".to_owned(), "long enough!".to_owned()),
            ("language".to_owned(), String::new()),
        ],
        "an optional input may be emptied"
    );
}
