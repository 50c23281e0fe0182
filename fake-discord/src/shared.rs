//! State shared by the HTTP server, the gateway and the test-facing handles.

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::watch;

use crate::limits::{Faults, Limiter};
use crate::record::Recorder;
use crate::state::World;

pub(crate) struct Shared {
    world: Mutex<World>,
    changed: watch::Sender<u64>,
    pub(crate) recorder: Recorder,
    pub(crate) limiter: Mutex<Limiter>,
    pub(crate) faults: Faults,
    pub(crate) heartbeat_ms: u64,
    pub(crate) addr: SocketAddr,
    pub(crate) ws_url: String,
}

impl Shared {
    pub(crate) fn new(
        world: World,
        recorder: Recorder,
        limiter: Limiter,
        faults: Faults,
        heartbeat_ms: u64,
        addr: SocketAddr,
    ) -> Self {
        Self {
            world: Mutex::new(world),
            changed: watch::Sender::new(0),
            recorder,
            limiter: Mutex::new(limiter),
            faults,
            heartbeat_ms,
            addr,
            ws_url: format!("ws://{addr}"),
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock leaves plain data; keep serving it.
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a change on the world and wakes everyone waiting for one.
    pub(crate) fn with_world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let result = f(&mut self.lock());
        self.changed.send_modify(|v| *v += 1);
        result
    }

    /// Runs a change on the world without waking anyone (a flood's bookkeeping, millions of
    /// times; `Gateway::stats` shows its progress).
    pub(crate) fn with_world_quietly<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        f(&mut self.lock())
    }

    /// Wakes everyone waiting for a change without changing the world (e.g. a request was
    /// held), so `wait_until` probes see it.
    pub(crate) fn notify(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    /// Reads the world.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&World) -> T) -> T {
        f(&self.lock())
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}
