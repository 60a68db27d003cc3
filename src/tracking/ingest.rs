//! Writing metric points: batched into one catalog transaction per flush, with the steps that
//! were left out assigned under the write lock (so concurrent writers never collide), and each
//! key's summary (count, last, min, max) kept up to date.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;
use unicode_normalization::is_nfc;

use super::parse::{CsvLog, Point, parse_json_line};
use crate::catalog::Catalog;
use crate::catalog::run_outbox::{Op, QueuedKey};
use crate::catalog::runs::Summary;
use crate::error::usage;
use crate::interrupt;
use crate::time::Timestamp;
use crate::values::MAX_STEP;
use crate::values::names::nfc;

/// How often a writer commits: after this many points, or this long after the oldest pending one.
#[derive(Clone, Copy, Debug)]
pub struct Batching {
    pub points: usize,
    pub every: Duration,
}

/// Live streams: a reader sees points within about a second.
pub const STREAM: Batching = Batching {
    points: 1000,
    every: Duration::from_secs(1),
};
/// Whole files: large transactions for throughput.
pub const FILE: Batching = Batching {
    points: 50_000,
    every: Duration::from_secs(1),
};

pub struct MetricWriter<'c> {
    catalog: &'c mut Catalog,
    run_id: i64,
    batching: Batching,
    pending: Vec<Point>,
    oldest_pending: Option<Instant>,
    pub written: u64,
}

impl<'c> MetricWriter<'c> {
    pub fn new(catalog: &'c mut Catalog, run_id: i64, batching: Batching) -> Self {
        MetricWriter {
            catalog,
            run_id,
            batching,
            pending: Vec::new(),
            oldest_pending: None,
            written: 0,
        }
    }

    pub fn push(&mut self, mut points: Vec<Point>) -> Result<()> {
        if points.is_empty() {
            return Ok(());
        }
        for point in points.iter_mut().filter(|p| !is_nfc(&p.key)) {
            point.key = nfc(&point.key); // `café` logged either way is one metric
        }
        self.oldest_pending.get_or_insert_with(Instant::now);
        self.pending.extend(points);
        if self.pending.len() >= self.batching.points {
            self.flush()?;
        }
        Ok(())
    }

    /// How long until the pending points are due (a maximum wait when none are pending).
    pub fn due_in(&self) -> Duration {
        match self.oldest_pending {
            Some(oldest) => self.batching.every.saturating_sub(oldest.elapsed()),
            None => self.batching.every,
        }
    }

    pub fn flush_if_due(&mut self) -> Result<()> {
        if self.oldest_pending.is_some() && self.due_in().is_zero() {
            self.flush()?;
        }
        Ok(())
    }

    /// Commits every pending point in one transaction.
    pub fn flush(&mut self) -> Result<()> {
        self.oldest_pending = None;
        if self.pending.is_empty() {
            return Ok(());
        }
        let points = std::mem::take(&mut self.pending);
        let run_id = self.run_id;
        let now = Timestamp::now();
        // Group by key, keeping each key's points in the order they came.
        let mut order: Vec<&str> = Vec::new();
        let mut by_key: HashMap<&str, Vec<&Point>> = HashMap::new();
        for point in &points {
            by_key
                .entry(&point.key)
                .or_insert_with(|| {
                    order.push(&point.key);
                    Vec::new()
                })
                .push(point);
        }
        let recorded = self.catalog.write(|tx| {
            // Deleted by another machine meanwhile (a bucket center): nothing to record into.
            if tx.run_by_id(run_id)?.is_none() {
                return Ok(false);
            }
            let mut queued = Vec::new();
            for key in &order {
                let key_id = tx.metric_key_id(key)?;
                let mut column = QueuedKey::new(key);
                let prior = tx.summary(run_id, key_id)?;
                let mut summary = prior.clone().unwrap_or_default();
                let mut highest = prior.as_ref().map(|s| s.last_step);
                let mut replaced = false;
                for point in &by_key[key] {
                    let step = match point.step {
                        Some(step) => step,
                        None => next_step(key, highest)?,
                    };
                    replaced |= highest.is_some_and(|h| step <= h);
                    tx.put_point(run_id, key_id, step, point.value, now)?;
                    if tx.queues() {
                        column.push(step, point.step.is_none(), point.value);
                    }
                    merge(&mut summary, highest.is_none(), step, point.value);
                    highest = Some(highest.map_or(step, |h| h.max(step)));
                }
                if replaced {
                    // A step was logged again (or out of order): merging can't tell what it replaced.
                    summary = tx.recompute_summary(run_id, key_id)?;
                }
                tx.put_summary(run_id, key_id, &summary)?;
                if !column.steps.is_empty() {
                    queued.push(column);
                }
            }
            if !queued.is_empty() {
                let points = Op::Points {
                    logged_at: now,
                    keys: queued,
                };
                tx.queue_for(run_id, points)?;
            }
            Ok(true)
        })?;
        if recorded {
            self.written += points.len() as u64;
        }
        Ok(())
    }
}

/// The step of a point logged without one: the key's last step + 1, never past [`MAX_STEP`].
fn next_step(key: &str, highest: Option<i64>) -> Result<i64> {
    match highest {
        None => Ok(0),
        Some(h) if h < MAX_STEP => Ok(h + 1),
        Some(h) => Err(usage(format!(
            "metric {key} is at step {h}, the highest there is; give its next points a --step \
             (or a step field) of their own"
        ))),
    }
}

fn merge(summary: &mut Summary, first: bool, step: i64, value: f64) {
    summary.count += 1;
    if first || step >= summary.last_step {
        summary.last_step = step;
        summary.last_value = value;
    }
    if !value.is_nan() {
        if summary.min.is_none_or(|(min, _)| value < min) {
            summary.min = Some((value, step));
        }
        if summary.max.is_none_or(|(max, _)| value > max) {
            summary.max = Some((value, step));
        }
    }
}

/// A UTF-8 byte order mark, as Excel and Notepad write at the start of a file.
const BOM: char = '\u{feff}';

/// The formats `log-metric --file` reads.
pub enum LineFormat {
    JsonLines,
    Csv(CsvLog),
}

impl LineFormat {
    /// The format of a log whose file name did not say: `{` starts JSON lines, else CSV.
    pub fn guess(first_line: &str) -> LineFormat {
        let first_line = first_line.trim_start_matches(BOM);
        match first_line.trim_start().starts_with('{') {
            true => LineFormat::JsonLines,
            false => LineFormat::Csv(CsvLog::default()),
        }
    }

    /// The points of line `number` (without its line end); a blank line has none.
    pub fn parse(&mut self, number: u64, line: &str) -> Result<Vec<Point>, String> {
        match self {
            LineFormat::JsonLines if line.trim().is_empty() => Ok(Vec::new()),
            // an editor on Windows may start the file with a byte order mark
            LineFormat::JsonLines if number == 1 => parse_json_line(line.trim_start_matches(BOM)),
            LineFormat::JsonLines => parse_json_line(line),
            LineFormat::Csv(log) => log.line(number, line),
        }
    }

    /// After the last line: a CSV record still open (an unclosed quote) is an error, with the
    /// line it began on.
    pub fn finish(&mut self) -> Result<(), (u64, String)> {
        match self {
            LineFormat::JsonLines => Ok(()),
            LineFormat::Csv(log) => log.finish(),
        }
    }
}

/// One line from a stream, without its line ending.
pub type Line = std::io::Result<Vec<u8>>;

/// Reads lines on a thread, so the caller can commit on time while the source is quiet.
/// With `follow`, end of file means "wait for more" (like `tail -f`); a last line without a
/// newline is held back until it is complete.
pub fn read_lines(source: impl Read + Send + 'static, follow: bool) -> Receiver<Line> {
    read_lines_tee(source, follow, None)
}

/// [`read_lines`] that also copies every byte read, unchanged, to `tee` as soon as it arrives
/// (`track` passes the command's output through this way). With a tee the source is read to
/// its end even after the receiver is gone, so the process writing it never blocks on a full
/// pipe.
pub fn read_lines_tee(
    source: impl Read + Send + 'static,
    follow: bool,
    mut tee: Option<Box<dyn Write + Send>>,
) -> Receiver<Line> {
    let (tx, rx) = mpsc::sync_channel(4096);
    thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 16, source);
        let mut line = Vec::new();
        let mut receiving = true;
        loop {
            let start = line.len();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) if follow => thread::sleep(Duration::from_millis(200)),
                Ok(0) => break,
                Ok(_) => {
                    if let Some(out) = &mut tee {
                        if out
                            .write_all(&line[start..])
                            .and_then(|()| out.flush())
                            .is_err()
                        {
                            tee = None; // our stdout is closed; keep draining the source
                        }
                    }
                    let complete = line.ends_with(b"\n");
                    if !complete && follow {
                        thread::sleep(Duration::from_millis(200));
                        continue;
                    }
                    let mut text = std::mem::take(&mut line);
                    if complete {
                        text.pop();
                        if text.ends_with(b"\r") {
                            text.pop();
                        }
                    }
                    receiving = receiving && tx.send(Ok(text)).is_ok();
                    if !complete || (!receiving && tee.is_none()) {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    });
    rx
}

/// Feeds lines from `lines` to `on_line` and commits on time, until the stream ends, or until
/// Ctrl-C when `stop_on_interrupt` (then what was read is committed before the interruption is
/// reported). `track` doesn't stop: the training command gets the Ctrl-C and decides.
pub fn pump(
    writer: &mut MetricWriter,
    lines: &Receiver<Line>,
    stop_on_interrupt: bool,
    mut on_line: impl FnMut(&mut MetricWriter, Vec<u8>) -> Result<()>,
) -> Result<()> {
    loop {
        let wait = writer.due_in().min(Duration::from_millis(250));
        match lines.recv_timeout(wait) {
            Ok(Ok(line)) => on_line(writer, line)?,
            Ok(Err(e)) => {
                writer.flush()?;
                return Err(e.into());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        writer.flush_if_due()?;
        if stop_on_interrupt && interrupt::check().is_err() {
            writer.flush()?;
            interrupt::check()?;
        }
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Catalog, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&dir.path().join("catalog.db"), true).unwrap();
        let run_id = catalog
            .write(|tx| {
                let m = tx.ensure_model("m", Timestamp(1))?;
                Ok(tx.ensure_run(m.id, "me", "r1", "host", Timestamp(1))?.id)
            })
            .unwrap();
        (dir, catalog, run_id)
    }

    fn pt(key: &str, step: Option<i64>, value: f64) -> Point {
        Point {
            key: key.into(),
            step,
            value,
        }
    }

    fn summary(catalog: &mut Catalog, run_id: i64, key: &str) -> Summary {
        catalog.summaries_of_runs(&[run_id]).unwrap()[&run_id][key].clone()
    }

    #[test]
    fn missing_steps_continue_each_keys_history() {
        let (_dir, mut catalog, run_id) = setup();
        let mut writer = MetricWriter::new(&mut catalog, run_id, FILE);
        writer
            .push(vec![
                pt("loss", None, 1.0),
                pt("loss", None, 0.5),
                pt("acc", Some(10), 0.1),
            ])
            .unwrap();
        writer.flush().unwrap();
        writer
            .push(vec![pt("loss", None, 0.25), pt("acc", None, 0.2)])
            .unwrap();
        writer.flush().unwrap();
        assert_eq!(writer.written, 5);
        let mut seen = Vec::new();
        catalog
            .history(run_id, &[], |p| {
                seen.push((p.key, p.step, p.value));
                Ok(())
            })
            .unwrap();
        assert_eq!(
            seen,
            [
                ("acc".into(), 10, 0.1),
                ("acc".into(), 11, 0.2),
                ("loss".into(), 0, 1.0),
                ("loss".into(), 1, 0.5),
                ("loss".into(), 2, 0.25)
            ]
        );
    }

    #[test]
    fn summaries_track_last_min_max_and_nan() {
        let (_dir, mut catalog, run_id) = setup();
        let mut writer = MetricWriter::new(&mut catalog, run_id, FILE);
        writer
            .push(vec![
                pt("loss", Some(0), 2.0),
                pt("loss", Some(1), 0.5),
                pt("loss", Some(2), f64::NAN),
            ])
            .unwrap();
        writer.flush().unwrap();
        let s = summary(&mut catalog, run_id, "loss");
        assert_eq!(s.count, 3);
        assert_eq!(s.last_step, 2);
        assert!(s.last_value.is_nan(), "NaN is stored as NaN, not lost");
        assert_eq!(s.min, Some((0.5, 1)));
        assert_eq!(s.max, Some((2.0, 0)));
    }

    #[test]
    fn relogging_a_step_replaces_it_and_fixes_the_summary() {
        let (_dir, mut catalog, run_id) = setup();
        let mut writer = MetricWriter::new(&mut catalog, run_id, FILE);
        writer
            .push(vec![pt("loss", Some(0), 5.0), pt("loss", Some(1), 1.0)])
            .unwrap();
        writer.flush().unwrap();
        writer
            .push(vec![
                pt("loss", Some(0), 3.0),
                pt("loss", Some(1), f64::INFINITY),
            ])
            .unwrap();
        writer.flush().unwrap();
        let s = summary(&mut catalog, run_id, "loss");
        assert_eq!(s.count, 2);
        assert_eq!(s.min, Some((3.0, 0)));
        assert_eq!(s.max, Some((f64::INFINITY, 1)));
        assert_eq!(s.last_value, f64::INFINITY);
    }

    #[test]
    fn lines_are_read_with_and_without_final_newline() {
        let rx = read_lines(&b"a\r\nb\nc"[..], false);
        let lines: Vec<Vec<u8>> = rx.iter().map(|l| l.unwrap()).collect();
        assert_eq!(lines, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    }
}
