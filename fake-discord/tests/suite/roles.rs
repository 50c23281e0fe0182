//! Giving and taking roles: `PUT`/`DELETE /guilds/{guild}/members/{user}/roles/{role}`,
//! Discord's role hierarchy, and GUILD_MEMBER_UPDATE.

use fake_discord::{FakeConfig, FakeDiscord, Permissions, intents};
use poise::serenity_prelude as serenity;
use serde_json::Value;
use serenity::{Event, GatewayEvent, GuildId, Http, RoleId, UserId};

use crate::helpers::{Path, RawGateway, api, code, discord_error, fake_config, http};

/// A guild with a "Champion" role (MANAGE_MESSAGES) and a bot that may manage roles.
fn champion_config() -> FakeConfig {
    FakeConfig {
        bot_permissions: Permissions::BOT_DEFAULT | Permissions::MANAGE_ROLES,
        ..fake_config()
    }
    .with_role("Champion", Permissions::MANAGE_MESSAGES)
}

async fn add(http: &Http, fake: &FakeDiscord, user: u64, role: u64) -> serenity::Result<()> {
    http.add_member_role(
        GuildId::new(fake.guild_id()),
        UserId::new(user),
        RoleId::new(role),
        Some("champion of the week"),
    )
    .await
}

async fn remove(http: &Http, fake: &FakeDiscord, user: u64, role: u64) -> serenity::Result<()> {
    http.remove_member_role(
        GuildId::new(fake.guild_id()),
        UserId::new(user),
        RoleId::new(role),
        None,
    )
    .await
}

fn member_update(frame: &Value) -> serenity::GuildMemberUpdateEvent {
    match serde_json::from_value::<GatewayEvent>(frame.clone()) {
        Ok(GatewayEvent::Dispatch(_, Event::GuildMemberUpdate(e))) => e,
        other => panic!("not a GUILD_MEMBER_UPDATE for serenity: {other:?}\n{frame:#}"),
    }
}

fn member_updates(fake: &FakeDiscord) -> usize {
    fake.dispatches()
        .iter()
        .filter(|f| f["t"] == "GUILD_MEMBER_UPDATE")
        .count()
}

/// Role names by position, lowest first, as serenity reads `GET /guilds/{id}/roles`.
async fn hierarchy(fake: &FakeDiscord) -> Vec<(u16, String)> {
    let http = http(fake, Path::Proxy);
    let mut roles: Vec<(u16, String)> = http
        .get_guild_roles(GuildId::new(fake.guild_id()))
        .await
        .expect("roles")
        .into_iter()
        .map(|r| (r.position, r.name))
        .collect();
    roles.sort();
    roles
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bot_gives_and_takes_a_role_and_sessions_with_guild_members_see_each_change() {
    let fake = FakeDiscord::start(champion_config()).await;
    let (mut members_session, _) =
        RawGateway::identify(&fake, intents::GUILDS | intents::GUILD_MEMBERS).await;
    let (mut messages_session, _) =
        RawGateway::identify(&fake, intents::GUILDS | intents::GUILD_MESSAGES).await;
    let http = http(&fake, Path::Production);
    let (alice, champion, general) = (
        fake.member("alice"),
        fake.role("Champion"),
        fake.channel("general"),
    );
    assert!(
        !fake
            .permissions_in(alice.id, general)
            .contains(Permissions::MANAGE_MESSAGES)
    );

    add(&http, &fake, alice.id, champion).await.expect("role given");
    assert_eq!(fake.member_roles(alice.id), [champion]);
    assert!(
        fake.permissions_in(alice.id, general)
            .contains(Permissions::MANAGE_MESSAGES)
    );
    let update = member_update(&members_session.recv_dispatch("GUILD_MEMBER_UPDATE").await);
    assert_eq!(update.user.id.get(), alice.id);
    assert_eq!(update.guild_id.get(), fake.guild_id());
    assert_eq!(update.roles, [RoleId::new(champion)]);

    add(&http, &fake, alice.id, champion)
        .await
        .expect("giving it again is fine");
    assert_eq!(fake.member_roles(alice.id), [champion], "held once");
    assert_eq!(member_updates(&fake), 1, "nothing changed, nothing sent");

    remove(&http, &fake, alice.id, champion)
        .await
        .expect("role taken");
    assert!(fake.member_roles(alice.id).is_empty());
    let update = member_update(&members_session.recv_dispatch("GUILD_MEMBER_UPDATE").await);
    assert!(update.roles.is_empty());
    remove(&http, &fake, alice.id, champion)
        .await
        .expect("taking a role not held is fine");
    assert_eq!(member_updates(&fake), 2);

    // The session without GUILD_MEMBERS got none of it: the next thing it sees is a message.
    alice.say(general, "gg");
    loop {
        let frame = messages_session.recv().await;
        assert_ne!(frame["t"], "GUILD_MEMBER_UPDATE", "sent without the intent");
        if frame["t"] == "MESSAGE_CREATE" {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_stack_in_the_order_configured_with_the_bots_role_on_top_unless_placed_below_one() {
    let on_top = FakeDiscord::start(champion_config()).await;
    let names = |roles: Vec<(u16, String)>| roles.into_iter().map(|(_, n)| n).collect::<Vec<_>>();
    let roles = hierarchy(&on_top).await;
    assert_eq!(
        names(roles.clone()),
        ["@everyone", "Admin", "Moderator", "Champion", "dailyq"]
    );
    assert_eq!(roles.iter().map(|(p, _)| *p).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(on_top.role_position(on_top.bot_role()), 4);

    let below = FakeDiscord::start(champion_config().with_bot_role_below("Champion")).await;
    assert_eq!(
        names(hierarchy(&below).await),
        ["@everyone", "Admin", "Moderator", "dailyq", "Champion"]
    );
    assert!(below.role_position(below.bot_role()) < below.role_position(below.role("Champion")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bot_cannot_give_or_take_a_role_above_its_own_even_as_administrator() {
    let config = FakeConfig {
        bot_permissions: Permissions::ADMINISTRATOR,
        ..fake_config()
    }
    .with_role("Champion", Permissions::NONE)
    .with_member("winner", &["Champion"])
    .with_bot_role_below("Champion");
    let fake = FakeDiscord::start(config).await;
    let http = http(&fake, Path::Proxy);
    let (alice, winner, champion) = (fake.member("alice"), fake.member("winner"), fake.role("Champion"));
    let refused = add(&http, &fake, alice.id, champion)
        .await
        .expect_err("above the bot");
    assert_eq!(discord_error(&refused), (403, 50013));
    let refused = remove(&http, &fake, winner.id, champion)
        .await
        .expect_err("above the bot");
    assert_eq!(discord_error(&refused), (403, 50013));
    assert!(fake.member_roles(alice.id).is_empty());
    assert_eq!(fake.member_roles(winner.id), [champion]);
    let moderator = fake.role("Moderator");
    add(&http, &fake, alice.id, moderator)
        .await
        .expect("below the bot");
    assert_eq!(fake.member_roles(alice.id), [moderator]);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_manage_roles_in_the_guild_the_bot_may_not_change_roles() {
    let fake = FakeDiscord::start(fake_config()).await;
    let http = http(&fake, Path::Proxy);
    let (alice, moderator) = (fake.member("alice"), fake.role("Moderator"));
    // Channel overwrites do not count: MANAGE_ROLES is a guild permission here.
    fake.set_bot_permissions(fake.channel("general"), Permissions::ALL);
    let refused = add(&http, &fake, alice.id, moderator)
        .await
        .expect_err("no MANAGE_ROLES");
    assert_eq!(discord_error(&refused), (403, 50013));
    assert!(fake.member_roles(alice.id).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_managed_and_unknown_roles_or_members_are_refused_as_discord_does() {
    let fake = FakeDiscord::start(champion_config()).await;
    let (guild, alice) = (fake.guild_id(), fake.member("alice"));
    let path = |guild: u64, user: u64, role: u64| format!("/guilds/{guild}/members/{user}/roles/{role}");
    for method in ["PUT", "DELETE"] {
        let cases = [
            ("@everyone", path(guild, alice.id, guild), (404, 10011)),
            (
                "the bot's managed role",
                path(guild, alice.id, fake.bot_role()),
                (403, 50013),
            ),
            ("an unknown role", path(guild, alice.id, 1), (404, 10011)),
            (
                "an unknown member",
                path(guild, 1, fake.role("Champion")),
                (404, 10007),
            ),
            (
                "an unknown guild",
                path(1, alice.id, fake.role("Champion")),
                (404, 10004),
            ),
        ];
        for (what, path, expected) in cases {
            let (status, body) = api(&fake, method, &path, None).await;
            assert_eq!((status, code(&body)), expected, "{method} {what}: {body}");
        }
    }
    assert!(fake.member_roles(alice.id).is_empty());
    assert_eq!(member_updates(&fake), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_with_manage_roles_gives_roles_below_their_highest_and_only_the_owner_any() {
    let config = fake_config()
        .with_role("Helper", Permissions::NONE)
        .with_role("Lead", Permissions::MANAGE_ROLES)
        .with_member("lead", &["Lead"]);
    let fake = FakeDiscord::start(config).await;
    let (lead, admin, owner, alice, bob) = (
        fake.member("lead"),
        fake.member("admin"),
        fake.owner(),
        fake.member("alice"),
        fake.member("bob"),
    );
    let (helper, lead_role) = (fake.role("Helper"), fake.role("Lead"));
    lead.add_role(alice.id, helper);
    assert_eq!(fake.member_roles(alice.id), [helper]);
    assert_eq!(
        lead.try_add_role(bob.id, lead_role).unwrap_err().code,
        50013,
        "not below their own"
    );
    assert_eq!(
        admin.try_add_role(bob.id, helper).unwrap_err().code,
        50013,
        "ADMINISTRATOR does not lift the hierarchy: Admin is the lowest role"
    );
    assert_eq!(
        alice.try_remove_role(alice.id, helper).unwrap_err().code,
        50013,
        "no MANAGE_ROLES"
    );
    assert_eq!(
        owner.try_add_role(bob.id, fake.bot_role()).unwrap_err().code,
        50013,
        "nobody assigns a managed role"
    );
    owner.add_role(bob.id, lead_role);
    lead.remove_role(alice.id, helper);
    assert_eq!(fake.member_roles(bob.id), [lead_role]);
    assert!(fake.member_roles(alice.id).is_empty());
}
