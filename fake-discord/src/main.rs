//! `fake-discord --port N`: runs the fake until Ctrl-C and prints how to reach it.

use fake_discord::{FakeConfig, FakeDiscord};

fn parse_port() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" | "-p" => {
                let value = args.next().ok_or("--port needs a value")?;
                port = value.parse().map_err(|_| format!("not a port: {value}"))?;
            }
            "--help" | "-h" => {
                return Err("usage: fake-discord [--port N]".to_owned());
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: fake-discord [--port N]"
                ));
            }
        }
    }
    Ok(port)
}

#[tokio::main]
async fn main() {
    let port = match parse_port() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let fake = FakeDiscord::start(FakeConfig {
        port,
        ..FakeConfig::default()
    })
    .await;
    println!("{}", fake.proxy_base());
    eprintln!("gateway: {}", fake.gateway_url());
    eprintln!("token: {}", fake.bot_token());
    eprintln!("guild: {}", fake.guild_id());
    eprintln!("test root certificate:\n{}", fake.ca_certificate_pem());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {e}");
    }
}
