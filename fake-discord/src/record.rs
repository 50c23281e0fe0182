//! Records of every REST exchange and gateway frame, kept in memory and optionally written
//! as JSON Lines.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

/// Which way a gateway frame went, seen from the fake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the client to the fake.
    In,
    /// From the fake to the client.
    Out,
}

/// One REST request and the answer the fake gave.
#[derive(Clone, Debug, Serialize)]
pub struct RestRecord {
    /// Milliseconds since the fake started.
    pub at_ms: u64,
    /// HTTP method.
    pub method: String,
    /// Path, including `/api/v10`.
    pub path: String,
    /// Raw query string (may be empty).
    pub query: String,
    /// JSON body of the request (`null` when empty).
    pub body: Value,
    /// Status returned.
    pub status: u16,
    /// JSON body returned (`null` when empty).
    pub response: Value,
    /// Whether the fake held this request under [`crate::Faults::hold_after`]: it was never
    /// applied nor answered (`status` 0, `response` null). The first held one is where the
    /// client "crashed".
    pub held: bool,
}

impl RestRecord {
    /// `METHOD /path`, e.g. to print where a crash was injected.
    pub fn describe(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// One gateway frame.
#[derive(Clone, Debug, Serialize)]
pub struct GatewayRecord {
    /// Milliseconds since the fake started.
    pub at_ms: u64,
    /// Connection number (1, 2, ... in accept order).
    pub connection: u64,
    /// Which way it went.
    pub direction: Direction,
    /// The frame; a close is recorded as `{"close": code, "reason": ...}`.
    pub frame: Value,
}

/// A REST exchange or a gateway frame.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A REST exchange.
    Rest(RestRecord),
    /// A gateway frame.
    Gateway(GatewayRecord),
}

pub(crate) struct Recorder {
    started: Instant,
    records: Mutex<Vec<Record>>,
    file: Option<Mutex<File>>,
}

impl Recorder {
    pub(crate) fn new(path: Option<&Path>) -> std::io::Result<Self> {
        let file = match path {
            Some(p) => Some(Mutex::new(File::options().create(true).append(true).open(p)?)),
            None => None,
        };
        Ok(Self {
            started: Instant::now(),
            records: Mutex::new(Vec::new()),
            file,
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn push(&self, record: Record) {
        if let Some(file) = &self.file
            && let Ok(mut line) = serde_json::to_vec(&record)
        {
            line.push(b'\n');
            let mut file = file.lock().expect("record file lock");
            if let Err(e) = file.write_all(&line) {
                tracing::warn!("cannot write record: {e}");
            }
        }
        self.records.lock().expect("records lock").push(record);
    }

    /// A record of a REST exchange stamped now, not yet stored.
    pub(crate) fn rest_record(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Value,
        status: u16,
        response: Value,
    ) -> RestRecord {
        RestRecord {
            at_ms: self.now_ms(),
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            body,
            status,
            response,
            held: false,
        }
    }

    /// Stores a REST record.
    pub(crate) fn push_rest(&self, record: RestRecord) {
        self.push(Record::Rest(record));
    }

    pub(crate) fn rest(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Value,
        status: u16,
        response: Value,
    ) {
        let record = self.rest_record(method, path, query, body, status, response);
        self.push_rest(record);
    }

    pub(crate) fn gateway(&self, connection: u64, direction: Direction, frame: Value) {
        self.push(Record::Gateway(GatewayRecord {
            at_ms: self.now_ms(),
            connection,
            direction,
            frame,
        }));
    }

    pub(crate) fn all(&self) -> Vec<Record> {
        self.records.lock().expect("records lock").clone()
    }
}
