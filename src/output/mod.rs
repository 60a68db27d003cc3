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
    style: Option<Paint>,
}

/// The [`Palette`]'s colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paint {
    Good,
    Bad,
    Dim,
    Warn,
    Changed,
}

impl Paint {
    /// The SGR parameters (`\x1b[{code}m`).
    fn code(self) -> &'static str {
        match self {
            Paint::Good => "32",
            Paint::Bad => "1;31",
            Paint::Dim => "2",
            Paint::Warn => "33",
            Paint::Changed => "1;33",
        }
    }

    /// The same colour on a comfy-table cell: the eight standard colours are crossterm's `Dark*`.
    fn on(self, cell: comfy_table::Cell) -> comfy_table::Cell {
        use comfy_table::{Attribute, Color};
        match self {
            Paint::Good => cell.fg(Color::DarkGreen),
            Paint::Bad => cell.fg(Color::DarkRed).add_attribute(Attribute::Bold),
            Paint::Dim => cell.add_attribute(Attribute::Dim),
            Paint::Warn => cell.fg(Color::DarkYellow),
            Paint::Changed => cell.fg(Color::DarkYellow).add_attribute(Attribute::Bold),
        }
    }
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
            Some(paint) => {
                out.push_str("\x1b[");
                out.push_str(paint.code());
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
/// right-aligned, widths by display width (a CJK character takes two columns).
///
/// On a terminal a table of up to [`WRAPPED_CELLS`] cells goes through comfy-table, which wraps
/// cells to the terminal's width. Everything else (a pipe, a file, a terminal whose width is
/// unknown, a bigger table) is padded here, one line a row: comfy-table made a 100,000-file
/// `scan -l` on a terminal take 0.83 s and 224 MiB instead of 0.46 s and 87 MiB.
pub struct TableOut {
    headers: Vec<Cell>,
    /// By column (a lookup per cell: `runs` can have 400,000 metric columns).
    right_aligned: Vec<bool>,
    rows: Vec<Vec<Cell>>,
}

/// The largest table (header included) laid out by comfy-table on a terminal. A person reads
/// a screenful or scrolls back a few; what takes more is searched or piped, and comfy-table's
/// cost grows with it (see [`TableOut`]): a 12,000-row `scan -l` (48,004 cells) takes 40 ms
/// more than padded.
const WRAPPED_CELLS: usize = 50_000;

/// The longest word kept whole when a table is wrapped (a date, a time, a short name); longer
/// ones (paths) may break anywhere.
const WORD: usize = 16;

/// Narrower than this, a terminal is taken not to know its width (a pty nobody sized says 0).
const NARROWEST: u16 = 20;

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

    /// Prints the table on stdout, without trailing spaces: wrapped to the terminal's width
    /// when stdout is one and the table is not too big to lay out ([`WRAPPED_CELLS`]).
    pub fn print(&self) -> Result<()> {
        let mut out = io::BufWriter::new(io::stdout().lock());
        let cells = (self.rows.len() + 1).saturating_mul(self.headers.len());
        if cells <= WRAPPED_CELLS && io::stdout().is_terminal() {
            if let Some(width) = comfy_table::Table::new().width() {
                if width >= NARROWEST {
                    return self.write_wrapped(&mut out, width);
                }
            }
        }
        self.write_to(&mut out)
    }

    /// Lays the table out with comfy-table, `width` columns wide at most.
    fn write_wrapped(&self, out: &mut impl Write, width: u16) -> Result<()> {
        use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Width, presets};
        let comfy = |cell: &Cell| {
            let plain = comfy_table::Cell::new(&cell.text);
            match cell.style {
                Some(paint) => paint.on(plain),
                None => plain,
            }
        };
        let mut table = comfy_table::Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width)
            // Our palette decided already (--color, NO_COLOR, TERM): comfy-table paints what
            // it is given, and only the text, so that trailing padding can be trimmed.
            .enforce_styling()
            .style_text_only();
        table.set_header(self.headers.iter().map(comfy));
        for row in &self.rows {
            table.add_row(row.iter().map(comfy));
        }
        let least = self.least_widths();
        let gap = |i: usize| if i + 1 == least.len() { 0 } else { 2 };
        // When even that doesn't fit, comfy-table may break anything (the table still fits).
        let keep_words = least
            .iter()
            .enumerate()
            .map(|(i, w)| w + gap(i))
            .sum::<usize>()
            <= usize::from(width);
        for (i, column) in table.column_iter_mut().enumerate() {
            column.set_padding((0, gap(i) as u16));
            if self.right_aligned.get(i).copied().unwrap_or(false) {
                column.set_cell_alignment(CellAlignment::Right);
            }
            if let Some(&least) = least.get(i).filter(|_| keep_words) {
                // A constraint's width includes the padding.
                let least = u16::try_from(least + gap(i)).unwrap_or(width);
                column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(least)));
            }
        }
        for line in table.lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
        out.flush()?;
        Ok(())
    }

    /// How narrow each column may get on a terminal: its header, numbers and words (up to
    /// [`WORD`] columns of one) are not broken, so a wrapped table still reads well.
    fn least_widths(&self) -> Vec<usize> {
        let mut least: Vec<usize> = self.headers.iter().map(Cell::width).collect();
        for row in &self.rows {
            for ((cell, least), &number) in row.iter().zip(&mut least).zip(&self.right_aligned) {
                let unbroken = match number {
                    true => cell.width(),
                    false => cell
                        .text
                        .split_whitespace()
                        .map(|word| word.width().min(WORD))
                        .max()
                        .unwrap_or(0),
                };
                *least = (*least).max(unbroken);
            }
        }
        least
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

    fn paint(self, paint: Paint, text: &str) -> Cell {
        let mut cell = Cell::plain(text);
        if self.enabled {
            cell.style = Some(paint);
        }
        cell
    }

    pub fn good(self, text: &str) -> Cell {
        self.paint(Paint::Good, text)
    }

    pub fn bad(self, text: &str) -> Cell {
        self.paint(Paint::Bad, text)
    }

    pub fn dim(self, text: &str) -> Cell {
        self.paint(Paint::Dim, text)
    }

    pub fn warn(self, text: &str) -> Cell {
        self.paint(Paint::Warn, text)
    }

    /// Marks what differs between runs.
    pub fn changed(self, text: &str) -> Cell {
        self.paint(Paint::Changed, text)
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

    fn wrapped(table: &TableOut, width: u16) -> String {
        let mut out = Vec::new();
        table.write_wrapped(&mut out, width).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_terminal_table_wraps_to_its_width_and_aligns_by_display_width() {
        let mut table = TableOut::new(&["path", "size", "modified"], &[1]);
        table.row(vec!["数据/训练.csv", "1.5 KiB", "2026-11-26 21:45"]);
        table.row(vec!["模型.bin", "999 B", "2026-11-26 21:46"]);
        let long = "实验记录/第一次训练/检查点/最终模型权重.safetensors";
        table.row(vec![long, "10.0 MiB", "2026-11-26 21:47"]);
        let text = wrapped(&table, 40);
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines {
            assert!(
                line.width() <= 40,
                "{} columns: {line:?}\n{text}",
                line.width()
            );
        }
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["path", "size", "modified"]
        );
        // The sizes end in one column, counted in display width (a CJK character takes two).
        let size_ends: Vec<usize> = ["size", "1.5 KiB", "999 B", "10.0 MiB"]
            .iter()
            .map(|size| {
                let line = lines.iter().find(|l| l.contains(size)).unwrap();
                let at = line.find(size).unwrap() + size.len();
                line[..at].width()
            })
            .collect();
        assert!(
            size_ends.iter().all(|&end| end == size_ends[0]),
            "{size_ends:?}\n{text}"
        );
        assert!(
            lines[1].ends_with("2026-11-26"),
            "a date is a word kept whole:\n{text}"
        );
        // The long path wraps onto more lines of its own column, and nothing of it is lost.
        assert!(lines.len() > 4, "{text}");
        let path_column: String = lines[1..]
            .iter()
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert!(path_column.contains(long), "{path_column}\n{text}");
    }

    #[test]
    fn a_terminal_table_keeps_the_palettes_colours_and_adds_none() {
        let table = |palette: Palette| {
            let mut table = TableOut::new(&[palette.changed("*lr"), Cell::plain("loss")], &[1]);
            table.row(vec![palette.bad("damaged"), palette.good("0.5")]);
            table.row(vec![palette.dim("unchanged"), palette.warn("0.25")]);
            wrapped(&table, 60)
        };
        let (on, off) = (table(Palette::new(true)), table(Palette::new(false)));
        assert_eq!(off, "*lr        loss\ndamaged     0.5\nunchanged  0.25\n");
        // crossterm writes the eight standard colours as 256-colour indexes 0-7.
        for (what, sgr) in [
            ("*lr", "\x1b[38;5;3m\x1b[1m*lr"),
            ("damaged", "\x1b[38;5;1m\x1b[1mdamaged"),
            ("0.5", "\x1b[38;5;2m0.5"),
            ("unchanged", "\x1b[2munchanged"),
            ("0.25", "\x1b[38;5;3m0.25"),
        ] {
            assert!(
                on.contains(sgr),
                "{what} is not painted as the palette says: {on:?}"
            );
        }
        let mut unpainted = String::new();
        for (i, piece) in on.split('\x1b').enumerate() {
            unpainted.push_str(if i == 0 {
                piece
            } else {
                &piece[piece.find('m').unwrap() + 1..]
            });
        }
        assert_eq!(unpainted, off, "colours take no columns");
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
