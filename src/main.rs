//! The dailyq binary: configuration, logging, then the library does the work.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; the environment alone is enough.
    let _ = dotenvy::dotenv();
    if let Err(error) = dailyq::telemetry::init() {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    let cli = dailyq::cli::Cli::parse();
    match dailyq::cli::execute(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
