//! Memory: the release binary, run as a user runs it (`dailyq run`, a SQLite file, the REST
//! proxy setting pointed at the fake Discord), in 2,500 small guilds (5 channels, 3 roles and
//! 20 members each), then idle in one guild. The resident set is the bot process's alone, read
//! from `/proc/<pid>/status` once the bot has handled every GUILD_CREATE (each writes its guild's
//! row, which the benchmark waits for in the database).
//!
//! `cargo bench --bench memory` prints the resident set, the limit it is compared with and the
//! ratio, and the memory per guild; nothing here asserts a size.
//!
//! `DAILYQ_BENCH_WRAP="heaptrack -o /tmp/dailyq"` runs the bot under a profiler (the command is
//! put before the binary); the resident set printed is still the bot's own process, and the bot
//! is stopped with SIGTERM, so the profile is complete.

use dailyq::store::Store;
use fake_discord::{BackgroundGuilds, FakeConfig, FakeDiscord};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The shape of the measurement.
const GUILDS: BackgroundGuilds = BackgroundGuilds {
    count: 2500,
    channels: 5,
    roles: 3,
    members: 20,
};
/// Targets of issue 9.
const LIMIT_MANY_KIB: u64 = 64 * 1024;
const LIMIT_IDLE_KIB: u64 = 30 * 1024;
const LIMIT_PER_GUILD_KIB: f64 = 17.0;
/// How long the bot may take to handle its guilds before the run counts as failed.
const GIVE_UP: Duration = Duration::from_secs(300);

/// The resident set of a process now and at its peak, in KiB, and what it is made of.
#[derive(Clone, Copy, Debug)]
struct Rss {
    now: u64,
    peak: u64,
    /// Anonymous memory (heap, stacks): what the process allocated.
    anon: u64,
    /// File-backed pages (the binary and shared libraries).
    file: u64,
    threads: u64,
}

fn rss_of(pid: u32) -> Rss {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the bot is running");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"))
    };
    Rss {
        now: field("VmRSS:"),
        peak: field("VmHWM:"),
        anon: field("RssAnon:"),
        file: field("RssFile:"),
        threads: field("Threads:"),
    }
}

/// The bot process; killed when dropped so that a failed run leaves nothing behind.
struct Bot {
    child: Child,
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_bot(fake: &FakeDiscord, dir: &Path) -> Bot {
    let wrap = std::env::var("DAILYQ_BENCH_WRAP").unwrap_or_default();
    let mut words: Vec<String> = wrap.split_whitespace().map(str::to_owned).collect();
    words.push(env!("CARGO_BIN_EXE_dailyq").to_owned());
    let log = std::fs::File::create(dir.join("bot.log")).unwrap();
    let child = Command::new(&words[0])
        .args(&words[1..])
        .arg("run")
        // No .env of the developer's: the bot reads only what is set here.
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DISCORD_TOKEN", fake.bot_token())
        .env("DISCORD_PROXY_URL", fake.proxy_base())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("dailyq.db").display()),
        )
        .env(
            "QUESTIONS_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("questions"),
        )
        .env("RUST_LOG", "warn")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the dailyq binary");
    Bot { child }
}

/// Starts the bot against a fake with `guilds` background guilds (plus the fake's own guild) and
/// returns its resident set once every guild's GUILD_CREATE is handled.
async fn measure(guilds: BackgroundGuilds) -> Rss {
    let fake = FakeDiscord::start(FakeConfig::default().with_background_guilds(guilds)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut bot = spawn_bot(&fake, dir.path());
    let began = Instant::now();
    fake.wait_for_command("dailyq", GIVE_UP)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the bot never registered its commands; see its log in {}",
                dir.path().display()
            )
        });
    let expected = guilds.count + 1;
    let url = format!("sqlite://{}", dir.path().join("dailyq.db").display());
    let store = Store::connect(&url).await.unwrap();
    loop {
        if let Some(status) = bot.child.try_wait().unwrap() {
            let log = std::fs::read_to_string(dir.path().join("bot.log")).unwrap_or_default();
            panic!("the bot exited ({status}):\n{log}");
        }
        let handled = store.present_guilds().await.unwrap().len();
        if handled >= expected {
            break;
        }
        assert!(
            began.elapsed() < GIVE_UP,
            "only {handled} of {expected} guilds handled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    store.close().await;
    let rss = rss_of(bot_pid(bot.child.id()));
    eprintln!(
        "memory: {} guilds handled {:.1} s after start; RSS {:.1} MiB = anonymous {:.1} + file {:.1}; {} threads",
        expected,
        began.elapsed().as_secs_f64(),
        mib(rss.now),
        mib(rss.anon),
        mib(rss.file),
        rss.threads
    );
    stop(bot);
    rss
}

/// The bot's own process: the child itself, or under a wrapper (`env`, `heaptrack`) the
/// descendant that runs the dailyq binary.
fn bot_pid(child: u32) -> u32 {
    let exe = Path::new(env!("CARGO_BIN_EXE_dailyq"));
    let mut frontier = vec![child];
    while let Some(pid) = frontier.pop() {
        if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe) {
            return pid;
        }
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        frontier.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
    }
    child
}

/// Stops the bot as an operator does (SIGTERM, then it exits on its own), so that a profiler
/// wrapped around it writes a complete profile; killed if it does not exit in time.
fn stop(mut bot: Bot) {
    let _ = Command::new("kill")
        .args(["-TERM", &bot_pid(bot.child.id()).to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if bot.child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let idle = measure(BackgroundGuilds::default()).await;
    let many = measure(GUILDS).await;
    let per_guild = (many.now.saturating_sub(idle.now)) as f64 / GUILDS.count as f64;
    println!(
        "memory: idle in 1 guild: RSS {:.1} MiB (peak {:.1} MiB); limit {:.0} MiB; ratio {:.2}",
        mib(idle.now),
        mib(idle.peak),
        mib(LIMIT_IDLE_KIB),
        idle.now as f64 / LIMIT_IDLE_KIB as f64
    );
    println!(
        "memory: {} guilds ({} channels, {} roles, {} members each): RSS {:.1} MiB (peak {:.1} MiB); limit {:.0} MiB; ratio {:.2}",
        GUILDS.count + 1,
        GUILDS.channels,
        GUILDS.roles,
        GUILDS.members,
        mib(many.now),
        mib(many.peak),
        mib(LIMIT_MANY_KIB),
        many.now as f64 / LIMIT_MANY_KIB as f64
    );
    println!(
        "memory: {per_guild:.1} KiB per guild above idle; limit {LIMIT_PER_GUILD_KIB:.0} KiB; ratio {:.2}",
        per_guild / LIMIT_PER_GUILD_KIB
    );
}
