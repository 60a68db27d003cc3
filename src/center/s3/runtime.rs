//! The bucket's own tokio runtime, and how a synchronous caller waits for it.
//!
//! Every request runs as a task on this runtime's threads; the caller's thread only waits on a
//! channel for its answer. Nothing here calls `block_on`, so a `Bucket` works the same from a
//! plain thread, from a blocking thread of another runtime (the web page's handlers) and from
//! inside another runtime's task (where `block_on` would panic), and dropping it never blocks.

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use tokio::task::JoinHandle;

/// How often a wait looks at Ctrl-C when it is interruptible.
const INTERRUPT_CHECK: Duration = Duration::from_millis(100);

pub(super) struct Runtime {
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Runtime {
    pub fn new() -> Result<Runtime> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("mfile-s3")
            .enable_io()
            .enable_time()
            .build()
            .context("could not start the S3 client's threads")?;
        Ok(Runtime {
            runtime: Some(runtime),
        })
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        match &self.runtime {
            Some(runtime) => runtime.handle(),
            None => unreachable!("the runtime is only taken by drop"),
        }
    }

    /// Starts `work` on the runtime's threads.
    pub fn spawn<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Task<T> {
        let (send, answer) = mpsc::sync_channel(1);
        let handle = self.handle().spawn(async move {
            // The receiver is gone only when the caller stopped waiting: nothing to tell.
            let _ = send.send(work.await);
        });
        Task { answer, handle }
    }

    /// Runs `work` on the runtime's threads and waits for it.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        self.spawn(work).wait()
    }
}

impl Drop for Runtime {
    /// Never blocks (a blocking shutdown would panic inside another runtime): tasks still
    /// running are cancelled at their next await.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Work in flight on the runtime. Dropping it cancels the work.
pub(super) struct Task<T> {
    answer: mpsc::Receiver<Result<T>>,
    handle: JoinHandle<()>,
}

impl<T> Task<T> {
    /// Waits for the answer.
    pub fn wait(self) -> Result<T> {
        match self.answer.recv() {
            Ok(answer) => answer,
            Err(_) => Err(anyhow!("an S3 request stopped without an answer")),
        }
    }

    /// Waits for the answer; after Ctrl-C, cancels the work and returns `Interrupted`.
    pub fn wait_interruptible(self) -> Result<T> {
        loop {
            match self.answer.recv_timeout(INTERRUPT_CHECK) {
                Ok(answer) => return answer,
                Err(mpsc::RecvTimeoutError::Timeout) => crate::interrupt::check()?,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(anyhow!("an S3 request stopped without an answer"));
                }
            }
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
