//! Background guilds: many guilds alike that the bot is in besides the scripted one, sent in
//! READY and GUILD_CREATE only, so a bot's start-up and memory can be measured at scale.

use serde_json::{Value, json};

use crate::config::BackgroundGuilds;
use crate::ids::{Snowflakes, timestamp_of};
use crate::permissions::Permissions;
use crate::state::{ChannelRec, RoleRec, World};

/// The ids of one background guild.
#[derive(Clone, Debug)]
pub(crate) struct BackgroundGuild {
    pub(crate) id: u64,
    /// The bot's managed role.
    bot_role: u64,
    roles: Vec<u64>,
    channels: Vec<u64>,
    /// Members besides the bot; the first is the owner.
    members: Vec<u64>,
}

impl BackgroundGuild {
    /// Draws the ids of `spec.count` guilds.
    pub(crate) fn make_all(spec: &BackgroundGuilds, ids: &Snowflakes) -> Vec<BackgroundGuild> {
        (0..spec.count)
            .map(|_| BackgroundGuild {
                id: ids.next(),
                bot_role: ids.next(),
                roles: (0..spec.roles).map(|_| ids.next()).collect(),
                channels: (0..spec.channels).map(|_| ids.next()).collect(),
                members: (0..spec.members.max(1)).map(|_| ids.next()).collect(),
            })
            .collect()
    }
}

impl World {
    /// The GUILD_CREATE of a background guild, shaped like the scripted guild's, with every
    /// member (see [`crate::gateway`] for what a session without GUILD_PRESENCES receives).
    pub(crate) fn background_guild_json(&self, guild: &BackgroundGuild, index: usize) -> Value {
        let mut value = self.guild_json(true);
        let everyone = RoleRec {
            id: guild.id,
            name: "@everyone".to_owned(),
            permissions: Permissions::EVERYONE_DEFAULT,
            position: 0,
            managed: false,
        };
        let mut roles = vec![self.role_json(&everyone)];
        for (i, id) in guild.roles.iter().enumerate() {
            let role = RoleRec {
                id: *id,
                name: format!("role{i}"),
                permissions: Permissions::EVERYONE_DEFAULT,
                position: u16::try_from(i + 1).unwrap_or(u16::MAX),
                managed: false,
            };
            roles.push(self.role_json(&role));
        }
        let bot_role = RoleRec {
            id: guild.bot_role,
            name: "dailyq".to_owned(),
            permissions: Permissions::BOT_DEFAULT,
            position: u16::try_from(guild.roles.len() + 1).unwrap_or(u16::MAX),
            managed: true,
        };
        roles.push(self.role_json(&bot_role));
        let channels: Vec<Value> = guild
            .channels
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let mut channel = self.channel_json(&ChannelRec::text(
                    *id,
                    guild.id,
                    format!("channel{i}"),
                    u16::try_from(i).unwrap_or(u16::MAX),
                ));
                channel["guild_id"] = json!(guild.id.to_string());
                channel
            })
            .collect();
        let mut bot = self.member_json(self.bot_id, true);
        bot["roles"] = json!([guild.bot_role.to_string()]);
        bot["joined_at"] = json!(timestamp_of(guild.id));
        let mut members = vec![bot];
        for (i, id) in guild.members.iter().enumerate() {
            let mut member = self.member_json(self.bot_id, true);
            let role = guild.roles.get(i % guild.roles.len().max(1));
            member["roles"] = json!(role.map(u64::to_string).into_iter().collect::<Vec<_>>());
            member["joined_at"] = json!(timestamp_of(*id));
            member["user"]["id"] = json!(id.to_string());
            member["user"]["username"] = json!(format!("member{i}"));
            member["user"]["global_name"] = json!(format!("Member {i}"));
            member["user"]["bot"] = json!(false);
            members.push(member);
        }
        value["id"] = json!(guild.id.to_string());
        value["name"] = json!(format!("Guild {index}"));
        value["owner_id"] = json!(guild.members[0].to_string());
        value["joined_at"] = json!(timestamp_of(guild.id));
        value["system_channel_id"] = json!(guild.channels.first().map(u64::to_string));
        value["roles"] = json!(roles);
        value["member_count"] = json!(members.len());
        value["members"] = json!(members);
        value["channels"] = json!(channels);
        value["threads"] = json!([]);
        value
    }
}
