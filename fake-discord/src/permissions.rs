//! Discord permission bits and the way Discord combines roles and channel overwrites.

use std::ops::{BitAnd, BitOr, Not};

/// A set of Discord permission bits (the `permissions` strings of the API).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Permissions(pub u64);

impl Permissions {
    /// No permission at all.
    pub const NONE: Self = Self(0);
    /// Create instant invites.
    pub const CREATE_INSTANT_INVITE: Self = Self(1 << 0);
    /// Kick members.
    pub const KICK_MEMBERS: Self = Self(1 << 1);
    /// Ban members.
    pub const BAN_MEMBERS: Self = Self(1 << 2);
    /// Every permission, and every channel overwrite is ignored.
    pub const ADMINISTRATOR: Self = Self(1 << 3);
    /// Edit and delete channels.
    pub const MANAGE_CHANNELS: Self = Self(1 << 4);
    /// Edit the guild.
    pub const MANAGE_GUILD: Self = Self(1 << 5);
    /// Add a new reaction to a message.
    pub const ADD_REACTIONS: Self = Self(1 << 6);
    /// See a channel.
    pub const VIEW_CHANNEL: Self = Self(1 << 10);
    /// Send messages in text channels.
    pub const SEND_MESSAGES: Self = Self(1 << 11);
    /// Delete or pin other users' messages.
    pub const MANAGE_MESSAGES: Self = Self(1 << 13);
    /// Links in messages show embeds.
    pub const EMBED_LINKS: Self = Self(1 << 14);
    /// Upload files.
    pub const ATTACH_FILES: Self = Self(1 << 15);
    /// Read earlier messages.
    pub const READ_MESSAGE_HISTORY: Self = Self(1 << 16);
    /// Mention @everyone.
    pub const MENTION_EVERYONE: Self = Self(1 << 17);
    /// Use emojis of other guilds.
    pub const USE_EXTERNAL_EMOJIS: Self = Self(1 << 18);
    /// Manage roles.
    pub const MANAGE_ROLES: Self = Self(1 << 28);
    /// Manage webhooks.
    pub const MANAGE_WEBHOOKS: Self = Self(1 << 29);
    /// Use application commands.
    pub const USE_APPLICATION_COMMANDS: Self = Self(1 << 31);
    /// Archive, lock and edit threads of others.
    pub const MANAGE_THREADS: Self = Self(1 << 34);
    /// Create public threads.
    pub const CREATE_PUBLIC_THREADS: Self = Self(1 << 35);
    /// Create private threads.
    pub const CREATE_PRIVATE_THREADS: Self = Self(1 << 36);
    /// Send messages in threads.
    pub const SEND_MESSAGES_IN_THREADS: Self = Self(1 << 38);
    /// Time members out.
    pub const MODERATE_MEMBERS: Self = Self(1 << 40);
    /// Every permission bit Discord defines today.
    pub const ALL: Self = Self((1 << 51) - 1);

    /// What `@everyone` may do in a fresh guild: read, write, react, use commands, threads.
    pub const EVERYONE_DEFAULT: Self = Self(
        Self::VIEW_CHANNEL.0
            | Self::SEND_MESSAGES.0
            | Self::EMBED_LINKS.0
            | Self::ATTACH_FILES.0
            | Self::READ_MESSAGE_HISTORY.0
            | Self::ADD_REACTIONS.0
            | Self::USE_EXTERNAL_EMOJIS.0
            | Self::USE_APPLICATION_COMMANDS.0
            | Self::CREATE_PUBLIC_THREADS.0
            | Self::SEND_MESSAGES_IN_THREADS.0
            | Self::CREATE_INSTANT_INVITE.0,
    );

    /// What the bot's own managed role grants by default.
    pub const BOT_DEFAULT: Self = Self(
        Self::EVERYONE_DEFAULT.0
            | Self::MANAGE_MESSAGES.0
            | Self::MANAGE_THREADS.0
            | Self::CREATE_PRIVATE_THREADS.0
            | Self::MENTION_EVERYONE.0,
    );

    /// Whether every bit of `other` is set here.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The bits as the decimal string Discord sends.
    pub fn to_api_string(self) -> String {
        self.0.to_string()
    }
}

impl BitOr for Permissions {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitAnd for Permissions {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl Not for Permissions {
    type Output = Self;
    fn not(self) -> Self {
        Self(!self.0 & Self::ALL.0)
    }
}

/// One channel permission overwrite: for a role (`kind` 0) or a member (`kind` 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Overwrite {
    pub(crate) id: u64,
    pub(crate) kind: u8,
    pub(crate) allow: Permissions,
    pub(crate) deny: Permissions,
}

/// Discord's documented order: base from roles, administrator short-circuits, then the
/// `@everyone` overwrite, the role overwrites together, and the member's own overwrite last.
pub(crate) fn compute(
    base: Permissions,
    everyone_role: u64,
    member_roles: &[u64],
    member_id: u64,
    overwrites: &[Overwrite],
) -> Permissions {
    if base.contains(Permissions::ADMINISTRATOR) {
        return Permissions::ALL;
    }
    let mut perms = base;
    if let Some(ow) = overwrites.iter().find(|o| o.kind == 0 && o.id == everyone_role) {
        perms = (perms & !ow.deny) | ow.allow;
    }
    let (mut allow, mut deny) = (Permissions::NONE, Permissions::NONE);
    for ow in overwrites
        .iter()
        .filter(|o| o.kind == 0 && member_roles.contains(&o.id))
    {
        allow = allow | ow.allow;
        deny = deny | ow.deny;
    }
    perms = (perms & !deny) | allow;
    if let Some(ow) = overwrites.iter().find(|o| o.kind == 1 && o.id == member_id) {
        perms = (perms & !ow.deny) | ow.allow;
    }
    if !perms.contains(Permissions::VIEW_CHANNEL) {
        return Permissions::NONE;
    }
    perms
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERYONE: u64 = 1;
    const ROLE: u64 = 2;
    const USER: u64 = 3;

    fn overwrite(id: u64, kind: u8, allow: Permissions, deny: Permissions) -> Overwrite {
        Overwrite {
            id,
            kind,
            allow,
            deny,
        }
    }

    #[test]
    fn a_member_overwrite_wins_over_role_and_everyone_overwrites() {
        let overwrites = [
            overwrite(EVERYONE, 0, Permissions::NONE, Permissions::SEND_MESSAGES),
            overwrite(ROLE, 0, Permissions::SEND_MESSAGES, Permissions::NONE),
            overwrite(USER, 1, Permissions::NONE, Permissions::ADD_REACTIONS),
        ];
        let perms = compute(
            Permissions::EVERYONE_DEFAULT,
            EVERYONE,
            &[ROLE],
            USER,
            &overwrites,
        );
        assert!(perms.contains(Permissions::SEND_MESSAGES));
        assert!(!perms.contains(Permissions::ADD_REACTIONS));
        let without_role = compute(Permissions::EVERYONE_DEFAULT, EVERYONE, &[], USER, &overwrites);
        assert!(!without_role.contains(Permissions::SEND_MESSAGES));
    }

    #[test]
    fn administrator_ignores_overwrites_and_no_view_channel_means_nothing() {
        let deny_all = [overwrite(USER, 1, Permissions::NONE, Permissions::ALL)];
        assert_eq!(
            compute(Permissions::ADMINISTRATOR, EVERYONE, &[], USER, &deny_all),
            Permissions::ALL
        );
        let hidden = [overwrite(
            EVERYONE,
            0,
            Permissions::NONE,
            Permissions::VIEW_CHANNEL,
        )];
        assert_eq!(
            compute(Permissions::EVERYONE_DEFAULT, EVERYONE, &[], USER, &hidden),
            Permissions::NONE
        );
    }
}
