//! Captures the bot's logs so tests can assert that failures are loud.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

static BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INIT: OnceLock<()> = OnceLock::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        BUFFER.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber once per test binary.
pub fn init() {
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn,dailyq=info"))
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

/// Whether any captured log line contains every one of `parts`.
pub fn has_line(parts: &[&str]) -> bool {
    let text = String::from_utf8_lossy(&BUFFER.lock().expect("log buffer")).into_owned();
    text.lines().any(|line| parts.iter().all(|p| line.contains(p)))
}

/// Everything captured so far (for a failing test's message).
pub fn dump() -> String {
    String::from_utf8_lossy(&BUFFER.lock().expect("log buffer")).into_owned()
}
