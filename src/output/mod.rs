//! How results reach people and scripts: tables, JSON, colours, human sizes, progress bars.
//! stdout carries data only; summaries, progress and errors go to stderr. [`Out`] is the one
//! place that chooses between a JSON document, human lines and silence; colour is decided at
//! the writer, per stream, from `--color` (set once with [`set_color`]), `NO_COLOR`, `TERM` and
//! whether the stream is a terminal.
//!
//! Every human line goes through this module, which escapes control and bidi characters in it
//! (see [`escape`]); the only escapes that reach a terminal are the [`Palette`]'s own colours,
//! kept apart from text in [`Cell`]. JSON is written exactly. Writes to stderr never fail the
//! command: a closed stderr (`mfile verify 2>&1 | head -1`) loses the message, nothing else.

pub mod escape;
pub mod progress;
pub mod views;

use std::io::{self, IsTerminal, Write};

pub use anstream::ColorChoice;
use anyhow::Result;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

pub use escape::{escape, escape_message};

/// Sets `--color` for every stream of this process (`auto` unless told otherwise).
pub fn set_color(choice: ColorChoice) {
    choice.write_global();
}

/// How one command run prints: a JSON document, human lines, or (under --quiet) only data and
/// errors.
#[derive(Clone, Copy, Debug)]
pub struct Out {
    pub json: bool,
    pub quiet: bool,
    /// Progress bars and spinners: a person watches stderr.
    bars: bool,
    /// Colours for stdout.
    pub palette: Palette,
}

impl Out {
    pub fn new(json: bool, quiet: bool) -> Out {
        Out {
            json,
            quiet,
            bars: !json && !quiet && io::stderr().is_terminal(),
            palette: Palette::for_stream(&io::stdout()),
        }
    }

    /// Whether to print human summaries and per-file lines.
    pub fn chatty(&self) -> bool {
        !self.quiet && !self.json
    }

    /// A summary or notice on stderr, unless the run is quiet or JSON.
    pub fn note(&self, text: &str) {
        if self.chatty() {
            stderr_line(text);
        }
    }

    /// A warning on stderr; shown even under --json (it is not data), hidden by --quiet.
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            stderr_line(&format!("mfile: warning: {text}"));
        }
    }
}

/// Prints one JSON document on stdout.
pub fn json(value: &impl Serialize) -> Result<()> {
    // Stdout is line-buffered: without this, pretty JSON costs one write per line.
    let mut out = io::BufWriter::new(io::stdout().lock());
    // As an io::Error, so that a closed stdout is recognised as a broken pipe.
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// One field of human output: text (escaped when made) and the colour it is painted in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    text: String,
    style: Option<&'static str>,
}

impl Cell {
    /// Text shown as it is, control and bidi characters escaped.
    pub fn plain(text: &str) -> Cell {
        Cell {
            text: escape(text).into_owned(),
            style: None,
        }
    }

    /// The width it takes on a terminal: two columns for a CJK character, none for a mark.
    fn width(&self) -> usize {
        UnicodeWidthStr::width(self.text.as_str())
    }

    fn render(&self, out: &mut String) {
        match self.style {
            Some(code) => {
                out.push_str("\x1b[");
                out.push_str(code);
                out.push('m');
                out.push_str(&self.text);
                out.push_str("\x1b[0m");
            }
            None => out.push_str(&self.text),
        }
    }

    /// The cell as it is printed, colour escapes included.
    pub fn rendered(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::plain(text)
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        match escape(&text) {
            std::borrow::Cow::Borrowed(_) => Cell { text, style: None },
            std::borrow::Cow::Owned(escaped) => Cell {
                text: escaped,
                style: None,
            },
        }
    }
}

impl From<&String> for Cell {
    fn from(text: &String) -> Cell {
        Cell::plain(text)
    }
}

/// A plain table for people: a header row, columns two spaces apart, no borders, numbers
/// right-aligned. (Formatted here rather than with comfy-table: a 100,000-file listing took
/// 0.17 s and 150 MiB there, and a borderless table needs none of its features.)
pub struct TableOut {
    headers: Vec<Cell>,
    /// By column (a lookup per cell: `runs` can have 400,000 metric columns).
    right_aligned: Vec<bool>,
    rows: Vec<Vec<Cell>>,
}

impl TableOut {
    /// A table with these headers; the columns at the `right_aligned` indexes are numbers.
    pub fn new<H: Clone + Into<Cell>>(headers: &[H], right_aligned: &[usize]) -> Self {
        let mut right = vec![false; headers.len()];
        for &i in right_aligned {
            if let Some(r) = right.get_mut(i) {
                *r = true;
            }
        }
        TableOut {
            headers: headers.iter().cloned().map(Into::into).collect(),
            right_aligned: right,
            rows: Vec::new(),
        }
    }

    pub fn row<C: Into<Cell>>(&mut self, cells: Vec<C>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Prints the table on stdout, without trailing spaces.
    pub fn print(&self) -> Result<()> {
        self.write_to(&mut io::BufWriter::new(io::stdout().lock()))
    }

    fn write_to(&self, out: &mut impl Write) -> Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(Cell::width).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(width) = widths.get_mut(i) {
                    *width = (*width).max(cell.width());
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
                    .saturating_sub(cell.width());
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right_aligned.get(i).copied().unwrap_or(false) {
                    line.extend(std::iter::repeat_n(' ', pad));
                    cell.render(&mut line);
                } else {
                    cell.render(&mut line);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        out.flush()?;
        Ok(())
    }
}

/// Prints a line on stdout (data), escaped, propagating a broken pipe as an error.
pub fn line(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{}", escape(text))?;
    Ok(())
}

/// Prints cells on one line of stdout, a space apart, propagating a broken pipe as an error.
pub fn cells_line(cells: &[Cell]) -> Result<()> {
    let mut text = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        cell.render(&mut text);
    }
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// Writes a message on stderr, escaped; a closed stderr is ignored (there is nowhere left to
/// say anything, and panicking like `eprintln!` would turn it into exit 101).
pub fn stderr_line(text: &str) {
    stderr_painted(None, text);
}

/// [`stderr_line`] with a prefix painted by `palette` (`mfile: error:` in red).
pub fn stderr_painted(prefix: Option<Cell>, text: &str) {
    let mut line = String::new();
    if let Some(prefix) = prefix {
        prefix.render(&mut line);
        line.push(' ');
    }
    line.push_str(&escape_message(text));
    line.push('\n');
    let mut err = io::stderr().lock();
    let _ = err.write_all(line.as_bytes()).and_then(|()| err.flush());
}

/// An error on stderr, as main and the batch commands print it: `mfile: error: {err:#}`.
pub fn error(palette: Palette, err: &anyhow::Error) {
    stderr_painted(Some(palette.bad("mfile: error:")), &format!("{err:#}"));
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

    /// Colours for a stream: `--color`, else `NO_COLOR`, `CLICOLOR`, `TERM` and a terminal.
    pub fn for_stream(stream: &impl anstream::stream::RawStream) -> Self {
        let choice = anstream::AutoStream::choice(stream);
        Palette::new(choice != ColorChoice::Never)
    }

    fn paint(self, code: &'static str, text: &str) -> Cell {
        let mut cell = Cell::plain(text);
        if self.enabled {
            cell.style = Some(code);
        }
        cell
    }

    pub fn good(self, text: &str) -> Cell {
        self.paint("32", text)
    }

    pub fn bad(self, text: &str) -> Cell {
        self.paint("1;31", text)
    }

    pub fn dim(self, text: &str) -> Cell {
        self.paint("2", text)
    }

    pub fn warn(self, text: &str) -> Cell {
        self.paint("33", text)
    }

    /// Marks what differs between runs.
    pub fn changed(self, text: &str) -> Cell {
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
        assert_eq!(Cell::plain("abc").width(), 3);
        assert_eq!(Palette::new(true).bad("abc").width(), 3);
        assert_eq!(Cell::plain("ü€").width(), 2);
        assert_eq!(Cell::plain("实体识别").width(), 8);
        assert_eq!(Cell::plain("cafe\u{301}").width(), 4);
    }

    #[test]
    fn palette_off_adds_nothing() {
        assert_eq!(Palette::new(false).bad("x").rendered(), "x");
        assert_eq!(Palette::new(true).good("x").rendered(), "\x1b[32mx\x1b[0m");
    }

    #[test]
    fn painted_text_is_escaped_inside_the_colour() {
        let cell = Palette::new(true).changed("\x1b[2J");
        assert_eq!(cell.rendered(), "\x1b[1;33m\\u{1b}[2J\x1b[0m");
        assert_eq!(cell.width(), "\\u{1b}[2J".len());
    }

    #[test]
    fn cells_escape_what_they_are_made_from() {
        let evil = "\x1b]0;PWNED\x07";
        for cell in [Cell::plain(evil), evil.into(), evil.to_string().into()] {
            assert_eq!(cell.rendered(), "\\u{1b}]0;PWNED\\u{7}");
        }
    }
}
