//! How results reach people and scripts: tables, JSON, colours, human sizes, progress bars.
//! stdout carries data only; summaries, progress and errors go to stderr.

pub mod progress;

use std::io::{self, Write};

use anyhow::Result;
use serde::Serialize;

use crate::config::Ctx;

/// Prints one JSON document on stdout.
pub fn json(value: &impl Serialize) -> Result<()> {
    // Stdout is line-buffered: without this, pretty JSON costs one write per line.
    let mut out = io::BufWriter::new(io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// A plain table for people: a header row, columns two spaces apart, no borders, numbers
/// right-aligned. (Formatted here rather than with comfy-table: a 100,000-file listing took
/// 0.17 s and 150 MiB there, and a borderless table needs none of its features.)
pub struct TableOut {
    headers: Vec<String>,
    /// By column (a lookup per cell: `runs` can have 400,000 metric columns).
    right_aligned: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl TableOut {
    /// A table with these headers; the columns at the `right_aligned` indexes are numbers.
    pub fn new(headers: &[&str], right_aligned: &[usize]) -> Self {
        let mut right = vec![false; headers.len()];
        for &i in right_aligned {
            if let Some(r) = right.get_mut(i) {
                *r = true;
            }
        }
        TableOut {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            right_aligned: right,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Prints the table on stdout, without trailing spaces.
    pub fn print(&self) -> Result<()> {
        self.write_to(&mut io::BufWriter::new(io::stdout().lock()))
    }

    fn write_to(&self, out: &mut impl Write) -> Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| visible_width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(width) = widths.get_mut(i) {
                    *width = (*width).max(visible_width(cell));
                }
            }
        }
        let mut line = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            line.clear();
            for (i, cell) in row.iter().enumerate() {
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(visible_width(cell));
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right_aligned.get(i).copied().unwrap_or(false) {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        out.flush()?;
        Ok(())
    }
}

/// The width a cell takes on a terminal: its characters, not counting colour escapes.
fn visible_width(text: &str) -> usize {
    if !text.contains('\x1b') {
        return text.chars().count();
    }
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

/// Prints a line on stdout (data), propagating a broken pipe as an error.
pub fn line(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// Prints a summary or notice on stderr, unless the run is quiet or JSON.
pub fn note(ctx: &Ctx, text: &str) {
    if ctx.chatty() {
        eprintln!("{text}");
    }
}

/// A warning on stderr; shown even under --json (it is not data), hidden by --quiet.
pub fn warn(ctx: &Ctx, text: &str) {
    if !ctx.quiet {
        eprintln!("mfile: warning: {text}");
    }
}

/// `1.5 GiB`, `10.0 KiB`, `999 B`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `45s`, `3m20s`, `1h02m`, `2d03h`.
pub fn human_duration(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match s {
        _ if seconds < 60.0 => format!("{seconds:.0}s"),
        0..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86400, s % 86400 / 3600),
    }
}

/// ANSI colours, or nothing when colour is off (never in a pipe unless --color always).
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    pub fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn good(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn bad(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn warn(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Marks what differs between runs.
    pub fn changed(self, text: &str) -> String {
        self.paint("1;33", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(10 * 1024), "10.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }

    #[test]
    fn durations_are_human() {
        assert_eq!(human_duration(4.6), "5s");
        assert_eq!(human_duration(200.0), "3m20s");
        assert_eq!(human_duration(3720.0), "1h02m");
        assert_eq!(human_duration(2.0 * 86400.0 + 3.0 * 3600.0), "2d03h");
    }

    #[test]
    fn a_table_of_many_columns_takes_time_in_proportion() {
        // `mfile runs` with 400,000 metric keys took 100 s: each cell looked its column up in
        // the list of right-aligned ones. 200,000 columns took minutes here; now a moment.
        const COLUMNS: usize = 200_000;
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let headers: Vec<String> = (0..COLUMNS).map(|i| format!("k{i}")).collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            let right: Vec<usize> = (1..COLUMNS).collect();
            let mut table = TableOut::new(&headers, &right);
            table.row((0..COLUMNS).map(|i| i.to_string()).collect());
            let mut out = Vec::new();
            table.write_to(&mut out).unwrap();
            let _ = done.send(out);
        });
        let out = finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("a 200,000-column table is printed within a minute");
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("k0  k1  k2"));
        let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(row.len(), COLUMNS);
        assert_eq!(row[..3], ["0", "1", "2"]);
    }

    #[test]
    fn colour_escapes_take_no_width() {
        assert_eq!(visible_width("abc"), 3);
        assert_eq!(visible_width(&Palette::new(true).bad("abc")), 3);
        assert_eq!(visible_width("ü€"), 2);
    }

    #[test]
    fn palette_off_adds_nothing() {
        assert_eq!(Palette::new(false).bad("x"), "x");
        assert_eq!(Palette::new(true).good("x"), "\x1b[32mx\x1b[0m");
    }
}
