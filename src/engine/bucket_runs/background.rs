//! Uploads while a training records: a thread that uploads the cache's outbox every couple of
//! seconds, on a center of its own, so that a colleague sees a live run's points within
//! seconds and a long ingest uploads as it goes. It never fails the recording: a round that
//! fails (the server down) is tried again at the next period, and the command's own upload at
//! the end says what is left.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Result;

use crate::engine::Center;
use crate::engine::bucket_log::write_id;

/// How often the thread uploads, give or take a fifth (so that machines started together don't
/// race in step).
const EVERY: Duration = Duration::from_secs(2);

pub struct Background {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Starts uploading every [`EVERY`] through a center `open` makes (again after a failure).
    pub fn start(mut open: impl FnMut() -> Result<Center> + Send + 'static) -> Background {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut center: Option<Center> = None;
            loop {
                match stopped.recv_timeout(jittered(EVERY)) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                if center.is_none() {
                    center = open().ok();
                }
                if let Some(open) = center.as_mut()
                    && open.upload_runs().is_err()
                {
                    center = None; // open afresh next time: the server may have restarted
                }
            }
        });
        Background {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops the thread, after the round under way.
    pub fn finish(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn jittered(period: Duration) -> Duration {
    let random = u64::from_str_radix(&write_id()[..8], 16).unwrap_or(0);
    let fifth = period.as_millis() as u64 / 5;
    period - Duration::from_millis(fifth) + Duration::from_millis(random % (2 * fifth + 1))
}
