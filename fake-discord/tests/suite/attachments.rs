//! Files: uploaded with messages, interaction responses and follow-ups (multipart
//! `payload_json` + `files[n]`), kept with their bytes, served back at their `url`, and given
//! to slash commands' attachment options.

use fake_discord::{FakeConfig, FakeDiscord, Permissions, attachment, intents, opt};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use serenity::{
    ChannelId, CreateAttachment, CreateEmbed, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, EditAttachments, EditInteractionResponse, EditMessage,
    Event, GatewayEvent, Http, ResolvedValue,
};

use crate::helpers::{
    Path, RawGateway, WAIT, discord_error, fake_config, http, interaction_of, register_commands, start_fake,
};

/// Bytes that are no UTF-8 and hold what a careless multipart parser would split on.
fn binary(len: usize) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    bytes.extend_from_slice(b"\r\n--boundary\r\n\r\n");
    bytes.extend((0..len.saturating_sub(bytes.len())).map(|i| u8::try_from(i % 251).unwrap()));
    bytes.truncate(len);
    bytes
}

/// GETs a URL without authorization, as any HTTP client downloads from the CDN.
async fn download(fake: &FakeDiscord, url: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = fake
        .plain_client()
        .get(url)
        .send()
        .await
        .expect("the CDN answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn message_created(frame: &Value) -> serenity::Message {
    match serde_json::from_value::<GatewayEvent>(frame.clone()) {
        Ok(GatewayEvent::Dispatch(_, Event::MessageCreate(e))) => e.message,
        other => panic!("not a MESSAGE_CREATE for serenity: {other:?}\n{frame:#}"),
    }
}

fn filenames(message: &fake_discord::FakeMessage) -> Vec<&str> {
    message.attachments.iter().map(|a| a.filename.as_str()).collect()
}

/// A PNG header (signature and IHDR) of a `width` × `height` image, then filler.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0]);
    bytes.extend(binary(500));
    bytes
}

async fn send_files(
    http: &Http,
    channel: u64,
    files: Vec<CreateAttachment>,
) -> serenity::Result<serenity::Message> {
    ChannelId::new(channel)
        .send_message(http, CreateMessage::new().content("files").add_files(files))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_the_bot_sends_is_kept_with_its_bytes_and_served_at_its_url() {
    let fake = start_fake().await;
    let (mut gw, _) = RawGateway::identify(&fake, intents::GUILDS | intents::GUILD_MESSAGES).await;
    let http = http(&fake, Path::Production);
    let general = fake.channel("general");
    let chart = binary(70_000);
    let sent = ChannelId::new(general)
        .send_message(
            &http,
            CreateMessage::new()
                .content("Season recap")
                .add_file(CreateAttachment::bytes(chart.clone(), "chart.png").description("Answers per week"))
                .add_file(CreateAttachment::bytes(
                    b"week,answers\n1,12\n".to_vec(),
                    "weeks.csv",
                )),
        )
        .await
        .expect("sent with files");
    let names: Vec<&str> = sent.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, ["chart.png", "weeks.csv"]);
    let png = &sent.attachments[0];
    assert_eq!(png.size as usize, chart.len());
    assert_eq!(png.content_type.as_deref(), Some("image/png"));
    assert_eq!(png.description.as_deref(), Some("Answers per week"));
    assert_eq!(png.download().await.expect("serenity downloads it"), chart);
    let (status, content_type, bytes) = download(&fake, &png.url).await;
    assert_eq!((status, content_type.as_deref()), (200, Some("image/png")));
    assert_eq!(bytes, chart);

    let kept = fake.message(sent.id.get()).expect("kept");
    assert_eq!(filenames(&kept), ["chart.png", "weeks.csv"]);
    assert_eq!(kept.attachments[0].bytes, chart);
    assert_eq!(kept.attachments[0].url, png.url);
    assert_eq!(kept.attachments[1].text(), "week,answers\n1,12\n");
    let read = ChannelId::new(general)
        .message(&http, sent.id)
        .await
        .expect("read back");
    let summary = |m: &serenity::Message| {
        m.attachments
            .iter()
            .map(|a| (a.id, a.filename.clone(), a.size, a.url.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(summary(&read), summary(&sent));
    let created = message_created(&gw.recv_dispatch("MESSAGE_CREATE").await);
    assert_eq!(summary(&created), summary(&sent));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_embed_showing_a_file_takes_it_out_of_the_attachments_until_an_edit_drops_it() {
    let fake = start_fake().await;
    let http = http(&fake, Path::Proxy);
    let general = fake.channel("general");
    let chart = png(640, 320);
    let embed = CreateEmbed::new()
        .title("Season 1")
        .image("attachment://participation.png");
    let sent = ChannelId::new(general)
        .send_message(
            &http,
            CreateMessage::new()
                .embed(embed)
                .add_file(CreateAttachment::bytes(chart.clone(), "participation.png")),
        )
        .await
        .expect("sent");
    assert!(sent.attachments.is_empty(), "the embed shows the file instead");
    let kept = fake.message(sent.id.get()).unwrap();
    assert_eq!(filenames(&kept), ["participation.png"]);
    assert!(kept.attachments[0].in_embed);
    let image = sent.embeds[0].image.as_ref().expect("an image");
    assert_eq!(image.url, kept.attachments[0].url);
    assert!(image.proxy_url.is_some());
    assert_eq!((image.width, image.height), (Some(640), Some(320)));
    assert_eq!(download(&fake, &image.url).await.2, chart);

    let edited = ChannelId::new(general)
        .edit_message(&http, sent.id, EditMessage::new().content("recap").embeds(vec![]))
        .await
        .expect("edited");
    assert_eq!(
        edited.attachments.len(),
        1,
        "without the embed the file shows again"
    );
    assert_eq!(
        (edited.attachments[0].width, edited.attachments[0].height),
        (Some(640), Some(320))
    );
    assert!(!fake.message(sent.id.get()).unwrap().attachments[0].in_embed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_posts_a_file_the_bot_downloads_and_needs_attach_files_to_do_so() {
    let fake = start_fake().await;
    let (mut reader, _) = RawGateway::identify(
        &fake,
        intents::GUILDS | intents::GUILD_MESSAGES | intents::MESSAGE_CONTENT,
    )
    .await;
    let (mut blind, _) = RawGateway::identify(&fake, intents::GUILDS | intents::GUILD_MESSAGES).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let code = b"def reverse(xs):\n    return xs[::-1]\n";
    let posted = alice.say_with_file(general, "my solution", "solution.py", code);
    let message = message_created(&reader.recv_dispatch("MESSAGE_CREATE").await);
    assert_eq!(message.id.get(), posted);
    assert_eq!(message.attachments.len(), 1);
    let file = &message.attachments[0];
    assert_eq!(file.filename, "solution.py");
    assert_eq!(file.download().await.expect("downloaded"), code);
    let kept = fake.message(posted).unwrap();
    assert_eq!(kept.attachments[0].text(), String::from_utf8_lossy(code));
    assert_eq!(kept.attachments[0].size, code.len());
    let hidden = blind.recv_dispatch("MESSAGE_CREATE").await;
    assert_eq!(
        hidden["d"]["attachments"],
        json!([]),
        "without MESSAGE_CONTENT, files are hidden like content"
    );

    let bob = fake.member("bob");
    fake.set_member_permissions(
        general,
        bob.id,
        Permissions::EVERYONE_DEFAULT & !Permissions::ATTACH_FILES,
    );
    let refused = bob
        .try_say_with_file(general, "mine", "bob.py", b"pass")
        .unwrap_err();
    assert_eq!((refused.status, refused.code), (403, 50013));
    bob.say(general, "text still goes");
}

#[tokio::test(flavor = "multi_thread")]
async fn interaction_responses_follow_ups_and_their_edits_carry_files() {
    let fake = start_fake().await;
    register_commands(&fake, json!([{ "name": "recap", "description": "Season recap" }])).await;
    let (mut gw, _) = RawGateway::identify(&fake, intents::GUILDS).await;
    let http = http(&fake, Path::Proxy);
    http.set_application_id(serenity::ApplicationId::new(fake.application_id()));
    let recap = fake
        .member("alice")
        .slash(fake.channel("general"), "recap", vec![]);
    let command = interaction_of(&gw.recv_dispatch("INTERACTION_CREATE").await)
        .command()
        .expect("a command");
    let reply = CreateInteractionResponseMessage::new()
        .content("here is the season")
        .add_file(CreateAttachment::bytes(binary(3000), "season.png"));
    command
        .create_response(&http, CreateInteractionResponse::Message(reply))
        .await
        .expect("answered with a file");
    let response = recap.wait_response(WAIT).await.unwrap();
    let original = response.message.expect("a message");
    assert_eq!(filenames(&original), ["season.png"]);
    assert_eq!(original.attachments[0].bytes, binary(3000));

    let followup = CreateInteractionResponseFollowup::new()
        .content("details")
        .add_file(CreateAttachment::bytes(b"a".to_vec(), "a.txt"))
        .add_file(CreateAttachment::bytes(b"b".to_vec(), "b.txt"));
    let sent = command.create_followup(&http, followup).await.expect("follow-up");
    assert_eq!(sent.attachments.len(), 2);
    assert_eq!(filenames(&recap.followups()[0]), ["a.txt", "b.txt"]);

    // Naming attachments in an edit replaces them: only the new one stays.
    let edit =
        EditInteractionResponse::new().new_attachment(CreateAttachment::bytes(binary(10), "season-v2.png"));
    let edited = command.edit_response(&http, edit).await.expect("edited");
    assert_eq!(edited.attachments.len(), 1);
    assert_eq!(filenames(&fake.message(original.id).unwrap()), ["season-v2.png"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_keeps_the_files_it_lists_and_all_of_them_when_it_lists_none() {
    let fake = start_fake().await;
    let http = http(&fake, Path::Proxy);
    let general = fake.channel("general");
    let files = vec![
        CreateAttachment::bytes(b"1".to_vec(), "one.txt"),
        CreateAttachment::bytes(b"2".to_vec(), "two.txt"),
    ];
    let sent = send_files(&http, general, files).await.expect("sent");
    let channel = ChannelId::new(general);
    channel
        .edit_message(&http, sent.id, EditMessage::new().content("renamed"))
        .await
        .expect("edited");
    assert_eq!(
        filenames(&fake.message(sent.id.get()).unwrap()),
        ["one.txt", "two.txt"]
    );
    let keep_one = EditAttachments::new()
        .keep(sent.attachments[0].id)
        .add(CreateAttachment::bytes(b"3".to_vec(), "three.txt"));
    let edited = channel
        .edit_message(&http, sent.id, EditMessage::new().attachments(keep_one))
        .await
        .expect("edited");
    assert_eq!(
        edited.attachments[0].id, sent.attachments[0].id,
        "the same file, kept"
    );
    assert_eq!(
        filenames(&fake.message(sent.id.get()).unwrap()),
        ["one.txt", "three.txt"]
    );
    assert_eq!(fake.message(sent.id.get()).unwrap().attachments[1].text(), "3");
    channel
        .edit_message(&http, sent.id, EditMessage::new().remove_all_attachments())
        .await
        .expect("edited");
    assert!(fake.message(sent.id.get()).unwrap().attachments.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn more_than_ten_files_or_more_bytes_than_the_upload_limit_are_refused() {
    let fake = FakeDiscord::start(fake_config().with_upload_limit(1000)).await;
    let http = http(&fake, Path::Proxy);
    let general = fake.channel("general");
    let small = |i: usize| CreateAttachment::bytes(vec![b'x'; 1], format!("{i}.txt"));
    let too_many = send_files(&http, general, (0..11).map(small).collect())
        .await
        .unwrap_err();
    assert_eq!(discord_error(&too_many), (400, 30015));
    let two_big = vec![
        CreateAttachment::bytes(binary(600), "a.bin"),
        CreateAttachment::bytes(binary(600), "b.bin"),
    ];
    let too_large = send_files(&http, general, two_big).await.unwrap_err();
    assert_eq!(
        discord_error(&too_large),
        (413, 40005),
        "the limit is on all files together"
    );
    assert!(fake.messages(general).is_empty(), "nothing refused was posted");
    send_files(&http, general, (0..10).map(small).collect())
        .await
        .expect("ten files");
    send_files(
        &http,
        general,
        vec![CreateAttachment::bytes(binary(1000), "exact.bin")],
    )
    .await
    .expect("exactly the limit");
    let alice = fake.member("alice");
    let files: Vec<(String, Vec<u8>)> = (0..11).map(|i| (format!("{i}.txt"), vec![b'x'])).collect();
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let refused = alice.try_send_with_files(general, json!({}), &files).unwrap_err();
    assert_eq!((refused.status, refused.code), (400, 30015));
    let refused = alice
        .try_say_with_file(general, "big", "big.bin", &binary(1001))
        .unwrap_err();
    assert_eq!((refused.status, refused.code), (413, 40005));
    assert_eq!(fake.messages(general).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slash_commands_attachment_option_resolves_to_a_file_the_bot_can_download() {
    let fake = FakeDiscord::start(fake_config().with_upload_limit(5000)).await;
    register_commands(
        &fake,
        json!([{ "name": "import", "description": "Import questions", "options": [
            { "type": 11, "name": "file", "description": "Questions", "required": true }
        ] }]),
    )
    .await;
    let (mut gw, _) = RawGateway::identify(&fake, intents::GUILDS).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let questions = b"Q: reverse a list\nQ: detect a cycle\n";
    alice.slash(
        general,
        "import",
        vec![attachment("file", "questions.md", questions.to_vec())],
    );
    let frame = gw.recv_dispatch("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["attachment_size_limit"], 5000);
    let command = interaction_of(&frame).command().expect("a command");
    assert_eq!(command.data.resolved.attachments.len(), 1);
    let options = command.data.options();
    let ResolvedValue::Attachment(file) = &options[0].value else {
        panic!("not an attachment: {:?}", options[0].value);
    };
    assert_eq!(file.filename, "questions.md");
    assert_eq!(file.size as usize, questions.len());
    assert!(file.ephemeral);
    assert_eq!(file.download().await.expect("downloaded"), questions);

    let typed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.slash(general, "import", vec![opt("file", "questions.md")]);
    }));
    assert!(typed.is_err(), "a file option takes a file, not text");
    let too_big = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.slash(
            general,
            "import",
            vec![attachment("file", "big.md", vec![b'x'; 5001])],
        );
    }));
    assert!(too_big.is_err(), "the client does not upload over the limit");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cdn_answers_404_for_unknown_files_and_fail_path_takes_it_down() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let http = http(&fake, Path::Proxy);
    let general = fake.channel("general");
    let sent = send_files(
        &http,
        general,
        vec![CreateAttachment::bytes(b"hello".to_vec(), "hello.txt")],
    )
    .await
    .expect("sent");
    let url = sent.attachments[0].url.clone();
    assert!(
        url.starts_with(&format!("{}/attachments/{general}/", fake.proxy_base())),
        "{url}"
    );
    assert_eq!(download(&fake, &url).await.2, b"hello");
    let renamed = url.replace("hello.txt", "other.txt");
    assert_eq!(download(&fake, &renamed).await.0, 404);
    let unknown = format!("{}/attachments/{general}/1/hello.txt", fake.proxy_base());
    assert_eq!(download(&fake, &unknown).await.0, 404);
    fake.faults().fail_path("/attachments/", 503);
    assert_eq!(download(&fake, &url).await.0, 503);
    fake.faults().heal_path("/attachments/");
    assert_eq!(download(&fake, &url).await.0, 200);
}
