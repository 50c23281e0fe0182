//! The dailyq binary: configuration, logging, then the library does the work.

use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // A missing .env is normal; the environment alone is enough.
    let _ = dotenvy::dotenv();
    if let Err(error) = dailyq::telemetry::init() {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    let cli = dailyq::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(dailyq::cli::execute(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    };
    // A stopped bot may leave work behind (a DNS lookup on a blocking thread, a request to a
    // Discord that does not answer): do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(500));
    code
}
