//! Discord wiring (serenity + poise): commands, event handlers and rendering. Filled in by the
//! daily-loop work; the foundation only fixes where it lives.

use crate::config::Config;

/// Starts the bot and runs until it is stopped.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let _token = config.require_token()?;
    anyhow::bail!("the Discord client is not wired up yet")
}
