//! Every object the fake sends deserializes with serenity's own model types.

use std::collections::BTreeSet;

use fake_discord::{FakeDiscord, Permissions, ResponseKind, focused, opt, sub};
use poise::serenity_prelude as serenity;
use serde_json::Value;
use serenity::{
    AutoArchiveDuration, ChannelId, ChannelType, CreateMessage, CreateThread, EditMessage, EditThread, Event,
    GatewayEvent, GetMessages, GuildId, ReactionType, UserId,
};

use crate::helpers::{Bot, Path, WAIT, start_ready};

/// Runs every act the fake supports so that each event type and REST answer is recorded.
async fn exercise_everything(fake: &FakeDiscord, bot: &Bot) {
    let http = &*bot.http;
    let general = fake.channel("general");
    let dailyq = fake.channel("dailyq");
    let channel = ChannelId::new(general);
    let guild = GuildId::new(fake.guild_id());
    let alice = fake.member("alice");
    let admin = fake.member("admin");

    http.get_current_user().await.expect("current user");
    http.get_current_application_info().await.expect("application");
    http.get_guild(guild).await.expect("guild");
    http.get_channels(guild).await.expect("guild channels");
    http.get_member(guild, UserId::new(alice.id))
        .await
        .expect("member");
    http.get_channel(channel).await.expect("channel");
    guild.get_commands(http).await.expect("commands");

    let question = channel
        .send_message(http, CreateMessage::new().content("Question of the day"))
        .await
        .expect("send");
    channel
        .edit_message(
            http,
            question.id,
            EditMessage::new().content("Question of the day!"),
        )
        .await
        .expect("edit");
    let thread = channel
        .create_thread_from_message(
            http,
            question.id,
            CreateThread::new("answers").auto_archive_duration(AutoArchiveDuration::OneDay),
        )
        .await
        .expect("thread");
    let answer = alice.say(thread.id.get(), "my answer");
    alice.edit(thread.id.get(), answer, "my better answer");
    admin.react(thread.id.get(), answer, "⬆️");
    thread
        .id
        .create_reaction(http, answer, ReactionType::Unicode("⬆️".to_owned()))
        .await
        .expect("react");
    thread
        .id
        .reaction_users(
            http,
            answer,
            ReactionType::Unicode("⬆️".to_owned()),
            Some(10),
            None,
        )
        .await
        .expect("reaction users");
    thread.id.message(http, answer).await.expect("get message");
    thread
        .id
        .messages(http, GetMessages::new().limit(10))
        .await
        .expect("list messages");
    admin.unreact(thread.id.get(), answer, "⬆️");
    thread
        .id
        .delete_reaction(http, answer, Some(UserId::new(fake.bot_user_id())), '⬆')
        .await
        .expect("unreact");
    thread
        .id
        .delete_reactions(http, answer)
        .await
        .expect("clear reactions");
    let reply = alice.reply(thread.id.get(), answer, "also");
    alice.delete(thread.id.get(), reply);
    thread
        .id
        .edit_thread(http, EditThread::new().archived(true))
        .await
        .expect("archive");
    let pair = channel
        .create_thread(
            http,
            CreateThread::new("mock interview").kind(ChannelType::PrivateThread),
        )
        .await
        .expect("private thread");
    pair.id
        .add_thread_member(http, UserId::new(alice.id))
        .await
        .expect("add thread member");
    pair.id.get_thread_members(http).await.expect("thread members");
    pair.id
        .get_thread_member(http, UserId::new(alice.id), true)
        .await
        .expect("thread member");
    pair.id
        .remove_thread_member(http, UserId::new(alice.id))
        .await
        .expect("remove thread member");
    fake.set_bot_permissions(dailyq, Permissions::EVERYONE_DEFAULT);

    let ping = alice.slash(general, "ping", vec![]);
    ping.wait_response(WAIT).await.expect("ping answered");
    let slow = alice.slash(general, "slow", vec![]);
    let message = slow.wait_message(WAIT).await.expect("slow answered");
    assert_eq!(message.content, "done thinking");
    let board = alice.slash(general, "board", vec![]);
    let board_message = board.wait_message(WAIT).await.expect("board shown");
    let click = alice.click(general, board_message.id, "board:next");
    let updated = click.wait_response(WAIT).await.expect("click answered");
    assert_eq!(updated.kind, ResponseKind::UpdateMessage);
    assert_eq!(updated.text(), "page 2");
    let feedback = alice.slash(general, "feedback", vec![]);
    assert_eq!(
        feedback.wait_response(WAIT).await.expect("modal").kind,
        ResponseKind::Modal
    );
    let submitted = alice.submit_modal(general, "feedback", &[("answer", "great")]);
    let thanks = submitted.wait_response(WAIT).await.expect("modal answered");
    assert!(thanks.ephemeral);
    assert_eq!(thanks.text(), "thanks: great");
    let choices = admin
        .autocomplete(
            general,
            "dailyq",
            vec![sub(
                "setup",
                vec![opt("channel", dailyq.to_string()), focused("time", "1")],
            )],
            WAIT,
        )
        .await
        .expect("choices");
    assert_eq!(choices.len(), 2);
    let setup = admin.slash(
        general,
        "dailyq",
        vec![sub(
            "setup",
            vec![opt("channel", dailyq.to_string()), opt("time", "09:00")],
        )],
    );
    assert_eq!(
        setup.wait_response(WAIT).await.expect("setup answered").text(),
        "posting in #dailyq at 09:00"
    );
    channel.delete_message(http, question.id).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dispatch_the_fake_sends_deserializes_as_a_known_serenity_event() {
    let (fake, bot) = start_ready(Path::Proxy).await;
    exercise_everything(&fake, &bot).await;
    let dispatches = fake.dispatches();
    let mut kinds = BTreeSet::new();
    for frame in &dispatches {
        let event: GatewayEvent = serde_json::from_value(frame.clone())
            .unwrap_or_else(|e| panic!("{} does not deserialize: {e}\n{frame:#}", frame["t"]));
        match event {
            GatewayEvent::Dispatch(_, Event::Unknown(u)) => panic!("unknown event {}", u.kind),
            GatewayEvent::Dispatch(_, _) => {}
            other => panic!("op 0 became {other:?}"),
        }
        kinds.insert(frame["t"].as_str().unwrap_or_default().to_owned());
    }
    for expected in [
        "READY",
        "GUILD_CREATE",
        "MESSAGE_CREATE",
        "MESSAGE_UPDATE",
        "MESSAGE_DELETE",
        "MESSAGE_REACTION_ADD",
        "MESSAGE_REACTION_REMOVE",
        "MESSAGE_REACTION_REMOVE_ALL",
        "THREAD_CREATE",
        "THREAD_UPDATE",
        "CHANNEL_UPDATE",
        "INTERACTION_CREATE",
    ] {
        assert!(kinds.contains(expected), "no {expected} was sent; sent {kinds:?}");
    }
    assert!(
        bot.errors.lock().unwrap().is_empty(),
        "{:?}",
        bot.errors.lock().unwrap()
    );
    bot.stop().await.expect("stops");
}

fn deserialize_response(method: &str, path: &str, body: &Value) -> Result<(), String> {
    let segments: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let check = |r: Result<(), serde_json::Error>| r.map_err(|e| format!("{method} {path}: {e}"));
    let value = body.clone();
    match (method, segments.as_slice()) {
        ("GET", ["users", "@me"]) => check(serde_json::from_value::<serenity::CurrentUser>(value).map(drop)),
        ("GET", ["oauth2", "applications", "@me"]) => {
            check(serde_json::from_value::<serenity::CurrentApplicationInfo>(value).map(drop))
        }
        ("GET", ["gateway"]) => {
            check(serde_json::from_value::<serenity::model::gateway::Gateway>(value).map(drop))
        }
        ("GET", ["gateway", "bot"]) => check(serde_json::from_value::<serenity::BotGateway>(value).map(drop)),
        ("GET", ["guilds", _]) => check(serde_json::from_value::<serenity::PartialGuild>(value).map(drop)),
        ("GET", ["guilds", _, "channels"]) => {
            check(serde_json::from_value::<Vec<serenity::GuildChannel>>(value).map(drop))
        }
        ("GET", ["guilds", _, "members", _]) => {
            check(serde_json::from_value::<serenity::Member>(value).map(drop))
        }
        ("GET" | "PATCH", ["channels", _])
        | ("POST", ["channels", _, "messages", _, "threads"] | ["channels", _, "threads"]) => {
            check(serde_json::from_value::<serenity::Channel>(value).map(drop))
        }
        ("POST", ["channels", _, "messages"])
        | ("GET" | "PATCH", ["channels", _, "messages", _])
        | ("POST", ["webhooks", ..])
        | ("GET" | "PATCH", ["webhooks", ..]) => {
            check(serde_json::from_value::<serenity::Message>(value).map(drop))
        }
        ("GET", ["channels", _, "messages"]) => {
            check(serde_json::from_value::<Vec<serenity::Message>>(value).map(drop))
        }
        ("GET", ["channels", _, "messages", _, "reactions", _]) => {
            check(serde_json::from_value::<Vec<serenity::User>>(value).map(drop))
        }
        ("GET", ["channels", _, "thread-members"]) => {
            check(serde_json::from_value::<Vec<serenity::ThreadMember>>(value).map(drop))
        }
        ("GET", ["channels", _, "thread-members", _]) => {
            check(serde_json::from_value::<serenity::ThreadMember>(value).map(drop))
        }
        (_, ["applications", .., "commands"]) => {
            check(serde_json::from_value::<Vec<serenity::Command>>(value).map(drop))
        }
        (_, ["applications", .., "commands", _]) => {
            check(serde_json::from_value::<serenity::Command>(value).map(drop))
        }
        _ => Err(format!("no serenity type known for {method} {path}")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rest_answer_the_fake_gives_deserializes_with_serenity_models() {
    let (fake, bot) = start_ready(Path::Proxy).await;
    exercise_everything(&fake, &bot).await;
    let records = fake.rest_records();
    assert!(records.len() > 20);
    for record in records {
        assert!(
            record.status < 300,
            "{} {} answered {}: {}",
            record.method,
            record.path,
            record.status,
            record.response
        );
        if record.response.is_null() {
            continue;
        }
        deserialize_response(&record.method, &record.path, &record.response)
            .unwrap_or_else(|e| panic!("{e}\n{:#}", record.response));
    }
    bot.stop().await.expect("stops");
}
