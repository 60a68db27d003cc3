//! Parsers for what training code emits: `KEY=VALUE` arguments, JSON lines, CSV logs (Keras'
//! and Lightning's CSVLogger format) and parameter values. Pure functions, no I/O.

use serde_json::{Map, Value};

use crate::values::names::quote;
use crate::values::{MAX_STEP, ParamKind};

/// One metric value at an optional step (`None`: the key's last step + 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub key: String,
    pub step: Option<i64>,
    pub value: f64,
}

/// Infers the kind of a parameter value given as text.
pub fn infer_kind(text: &str) -> ParamKind {
    if text.parse::<i64>().is_ok() {
        ParamKind::Int
    } else if parse_number(text).is_ok() {
        ParamKind::Float
    } else if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
        ParamKind::Bool
    } else {
        ParamKind::String
    }
}

/// Two parameter values are the same when their text is, or when both are numbers of equal value
/// (`0.1` and `0.10`).
pub fn same_param(a: &str, b: &str) -> bool {
    a == b || matches!((parse_number(a), parse_number(b)), (Ok(x), Ok(y)) if x == y)
}

/// Parses a metric value: decimal or exponent notation, or `nan`, `inf`, `-inf`,
/// `infinity` (any case). A finite-looking number that overflows (`1e999`) is refused.
pub fn parse_number(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let value: f64 = trimmed
        .parse()
        .map_err(|_| format!("{} is not a number", quote(text)))?;
    let says_infinite = trimmed
        .trim_start_matches(['+', '-'])
        .to_ascii_lowercase()
        .starts_with("inf");
    if value.is_infinite() && !says_infinite {
        return Err(format!(
            "{} is out of range for a 64-bit float",
            quote(text)
        ));
    }
    Ok(value)
}

/// `loss=0.41` → ("loss", 0.41).
pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) => Ok((check_key(key)?.to_string(), value.to_string())),
        None => Err(format!("{} is not KEY=VALUE", quote(text))),
    }
}

/// Metric and parameter keys: 1–250 printable characters, no `=`, not starting with a space.
/// (Looser than model names: `val/loss`, `lr (warmup)` are common.)
pub fn check_key(key: &str) -> Result<&str, String> {
    let ok = !key.is_empty()
        && key.len() <= 250
        && !key.starts_with(' ')
        && !key.ends_with(' ')
        && !key.contains('=')
        && !key.chars().any(char::is_control);
    if ok {
        Ok(key)
    } else {
        Err(format!(
            "invalid key {}: use 1-250 printable characters without '=' or outer spaces",
            quote(key)
        ))
    }
}

/// The step column names, in order of preference.
const STEP_KEYS: [&str; 2] = ["step", "epoch"];

/// Parses one JSON-lines record: an object of numbers with an optional `step` (or `epoch`).
/// Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` bare; those are accepted,
/// and so are numbers given as strings.
pub fn parse_json_line(line: &str) -> Result<Vec<Point>, String> {
    let object = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err("not a JSON object".to_string()),
        Err(first) => match serde_json::from_str::<Value>(&quote_bare_specials(line)) {
            Ok(Value::Object(map)) => map,
            _ => return Err(format!("not valid JSON ({first})")),
        },
    };
    points_from_object(&object)
}

fn points_from_object(object: &Map<String, Value>) -> Result<Vec<Point>, String> {
    let step_key = STEP_KEYS.iter().find(|k| object.contains_key(**k));
    let step = match step_key.map(|k| &object[*k]) {
        None => None,
        Some(value) => Some(parse_step(value)?),
    };
    let mut points = Vec::with_capacity(object.len());
    for (key, value) in object {
        if Some(&key.as_str()) == step_key {
            continue;
        }
        check_key(key)?;
        let value = match value {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| format!("{key}: {n} is not a number"))?,
            Value::String(text) => parse_number(text).map_err(|e| format!("{key}: {e}"))?,
            other => return Err(format!("{key}: {other} is not a number")),
        };
        points.push(Point {
            key: key.clone(),
            step,
            value,
        });
    }
    if points.is_empty() {
        return Err("no metrics in the object".to_string());
    }
    Ok(points)
}

/// Steps run from `-MAX_STEP` to `MAX_STEP`; anything outside is refused, never clamped or wrapped.
pub fn check_step(step: i64) -> Result<i64, String> {
    if (-MAX_STEP..=MAX_STEP).contains(&step) {
        Ok(step)
    } else {
        Err(format!(
            "step {step} is out of range (steps run from -{MAX_STEP} to {MAX_STEP})"
        ))
    }
}

fn parse_step(value: &Value) -> Result<i64, String> {
    let number = match value {
        Value::Number(n) => n.as_i64().map(Ok).or_else(|| n.as_f64().map(Err)),
        Value::String(s) => s.trim().parse::<i64>().ok().map(Ok),
        _ => None,
    };
    match number {
        Some(Ok(step)) => check_step(step),
        // A float is a step only when it is a whole number within range: `1e19` is not clamped.
        Some(Err(f)) if f.fract() == 0.0 && f.abs() <= MAX_STEP as f64 => Ok(f as i64),
        Some(Err(f)) if f.fract() == 0.0 => Err(format!(
            "step {value} is out of range (steps run from -{MAX_STEP} to {MAX_STEP})"
        )),
        _ => Err(format!("step {value} is not an integer")),
    }
}

/// Rewrites bare `NaN`, `Infinity`, `-Infinity` outside strings as strings, so serde can read
/// what Python's json module writes.
fn quote_bare_specials(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else {
            let special = ["-Infinity", "Infinity", "NaN"]
                .into_iter()
                .find(|s| rest.starts_with(s));
            if let Some(special) = special {
                out.push('"');
                out.push_str(special);
                out.push('"');
                rest = &rest[special.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A CSV metrics log: the first record names the columns; `step` (else `epoch`) is the step and
/// every other column a metric. Empty cells are skipped (Lightning leaves them for metrics not
/// logged at that row).
///
/// Fed line by line through csv-core's push parser, so what a file holds is read as the `csv`
/// crate reads it while `--follow` still gets each record as soon as its line is complete: RFC
/// 4180 quoting (a quoted cell may hold `,`, `""` and line breaks), a leading UTF-8 BOM dropped
/// (Excel writes one), CRLF or LF line ends.
#[derive(Debug)]
pub struct CsvLog {
    reader: Box<csv_core::Reader>, // 0.5 KiB of state machine
    /// The cells of the record being read, end to end, and where each one ends.
    bytes: Vec<u8>,
    filled: usize,
    ends: Vec<usize>,
    cells: usize,
    /// The number of the last line fed, and of the one the unfinished record began on (a
    /// quoted line break).
    last: u64,
    open_since: Option<u64>,
    columns: Option<Vec<String>>,
    /// Why the header was refused: every row after it is refused too (none is a header).
    refused_header: Option<String>,
    step_column: Option<usize>,
}

/// A quoted cell may carry a record over this many lines (or bytes) at most: past that, a
/// stray quote is taken for what it is: the record it opened is dropped (the error names its
/// lines) and reading starts afresh at the next line, so one quote can't swallow a whole log
/// (nor, with --follow, grow without end).
const MAX_OPEN_LINES: u64 = 1000;
const MAX_OPEN_BYTES: usize = 1 << 20;

impl Default for CsvLog {
    fn default() -> Self {
        CsvLog {
            // Not `csv_core::Reader::default()`: that one's state machine is never built, and it
            // reads every record as one empty cell.
            reader: Box::new(csv_core::Reader::new()),
            bytes: Vec::new(),
            filled: 0,
            ends: Vec::new(),
            cells: 0,
            last: 0,
            open_since: None,
            columns: None,
            refused_header: None,
            step_column: None,
        }
    }
}

impl CsvLog {
    /// Feeds line `number` of the file, without its line end; the header yields no points, and
    /// so does a line that a quoted cell carries on past. A record that spans lines is judged at
    /// its last one.
    pub fn line(&mut self, number: u64, line: &str) -> Result<Vec<Point>, String> {
        self.last = number;
        if self.open_since.is_none() && line.trim().is_empty() {
            return Ok(Vec::new());
        }
        let start = self.open_since.unwrap_or(number);
        let mut records = self.feed(line.as_bytes());
        records.extend(self.feed(b"\n"));
        // Inside a quoted cell the line break just fed is the cell's: the record goes on.
        let open = self.filled > 0 || self.cells > 0;
        self.open_since = open.then_some(start);
        if open && (number - start >= MAX_OPEN_LINES || self.filled >= MAX_OPEN_BYTES) {
            // A stray quote: drop the record it opened and start afresh at the next line.
            *self.reader = csv_core::Reader::new();
            (self.filled, self.cells, self.open_since) = (0, 0, None);
            return Err(format!(
                "an unclosed quote: lines {start}-{number} were read as one record and dropped"
            ));
        }
        let mut points = Vec::new();
        for cells in records {
            match self.record(cells) {
                Ok(more) => points.extend(more),
                Err(e) if start < number => {
                    return Err(format!("{e} (in the record from line {start})"));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(points)
    }

    /// Ends the log: a quoted cell still open is an error, with the line its record began on.
    pub fn finish(&mut self) -> Result<(), (u64, String)> {
        match self.open_since.take() {
            Some(start) => Err((
                start,
                format!(
                    "an unclosed quote: lines {start}-{} are one unfinished record",
                    self.last
                ),
            )),
            None => Ok(()),
        }
    }

    /// Pushes bytes through the parser; returns the records they complete.
    fn feed(&mut self, mut input: &[u8]) -> Vec<Vec<String>> {
        use csv_core::ReadRecordResult;
        let mut records = Vec::new();
        // Never empty input: csv-core takes that for the end of the file.
        while !input.is_empty() {
            let (result, read, wrote, ended) = self.reader.read_record(
                input,
                &mut self.bytes[self.filled..],
                &mut self.ends[self.cells..],
            );
            input = &input[read..];
            self.filled += wrote;
            self.cells += ended;
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => break,
                ReadRecordResult::OutputFull => self.bytes.resize(self.bytes.len().max(256) * 2, 0),
                ReadRecordResult::OutputEndsFull => {
                    self.ends.resize(self.ends.len().max(16) * 2, 0)
                }
                ReadRecordResult::Record => {
                    let mut from = 0;
                    let cells = self.ends[..self.cells].iter().map(|&end| {
                        // Split at ASCII bytes out of a &str: always UTF-8, so never lossy.
                        let cell = String::from_utf8_lossy(&self.bytes[from..end]).into_owned();
                        from = end;
                        cell
                    });
                    records.push(cells.collect());
                    (self.filled, self.cells) = (0, 0);
                }
            }
        }
        records
    }

    fn record(&mut self, cells: Vec<String>) -> Result<Vec<Point>, String> {
        if let Some(why) = &self.refused_header {
            return Err(format!("not read: the header was refused ({why})"));
        }
        let Some(columns) = &self.columns else {
            for name in &cells {
                if let Err(why) = check_key(name) {
                    self.refused_header = Some(why.clone());
                    return Err(why);
                }
            }
            self.step_column = STEP_KEYS
                .iter()
                .find_map(|k| cells.iter().position(|c| c == k));
            self.columns = Some(cells);
            return Ok(Vec::new());
        };
        if cells.len() != columns.len() {
            return Err(format!(
                "{} cells where the header has {}",
                cells.len(),
                columns.len()
            ));
        }
        let step = match self.step_column {
            Some(index) if !cells[index].is_empty() => {
                Some(parse_step(&Value::String(cells[index].clone()))?)
            }
            _ => None,
        };
        let mut points = Vec::new();
        for (index, (name, cell)) in columns.iter().zip(&cells).enumerate() {
            if Some(index) == self.step_column || cell.trim().is_empty() {
                continue;
            }
            let value = parse_number(cell).map_err(|e| format!("{name}: {e}"))?;
            points.push(Point {
                key: name.clone(),
                step,
                value,
            });
        }
        Ok(points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(key: &str, step: Option<i64>, value: f64) -> Point {
        Point {
            key: key.into(),
            step,
            value,
        }
    }

    #[test]
    fn numbers_keep_full_precision_and_specials() {
        assert_eq!(
            parse_number("0.123456789012345").unwrap(),
            0.123456789012345
        );
        assert!(parse_number("NaN").unwrap().is_nan());
        assert_eq!(parse_number("-inf").unwrap(), f64::NEG_INFINITY);
        assert_eq!(parse_number("Infinity").unwrap(), f64::INFINITY);
        assert!(parse_number("1e999").unwrap_err().contains("out of range"));
        assert!(
            parse_number("abc")
                .unwrap_err()
                .contains("'abc' is not a number")
        );
        assert!(parse_number("").is_err());
    }

    #[test]
    fn json_numbers_read_back_to_the_same_float() {
        // Found by the crash suite: without serde_json's float_roundtrip, 632/7 printed by
        // Python or Rust came back one ULP off (90.28571428571428).
        let value = 632.0_f64 / 7.0;
        let line = format!(r#"{{"loss": {value}}}"#);
        assert_eq!(
            parse_json_line(&line).unwrap()[0].value.to_bits(),
            value.to_bits()
        );
    }

    #[test]
    fn json_lines_with_step_epoch_or_none() {
        assert_eq!(
            parse_json_line(r#"{"step": 3, "loss": 0.41, "acc": 0.87}"#).unwrap(),
            [pt("loss", Some(3), 0.41), pt("acc", Some(3), 0.87)]
        );
        assert_eq!(
            parse_json_line(r#"{"epoch": 2, "f1": "0.5"}"#).unwrap(),
            [pt("f1", Some(2), 0.5)]
        );
        assert_eq!(
            parse_json_line(r#"{"loss": 1}"#).unwrap(),
            [pt("loss", None, 1.0)]
        );
    }

    #[test]
    fn json_lines_accept_python_nan_and_infinity() {
        let points =
            parse_json_line(r#"{"loss": NaN, "grad": Infinity, "x": -Infinity, "note_NaN": 1}"#)
                .unwrap();
        assert!(points[0].value.is_nan());
        assert_eq!(points[1].value, f64::INFINITY);
        assert_eq!(points[2].value, f64::NEG_INFINITY);
        assert_eq!(points[3], pt("note_NaN", None, 1.0));
    }

    #[test]
    fn bad_json_lines_say_why() {
        assert!(
            parse_json_line(r#"{"loss": 0.4"#)
                .unwrap_err()
                .contains("not valid JSON")
        );
        assert_eq!(parse_json_line("[1, 2]").unwrap_err(), "not a JSON object");
        assert!(
            parse_json_line(r#"{"loss": "abc"}"#)
                .unwrap_err()
                .contains("'abc' is not a number")
        );
        assert!(
            parse_json_line(r#"{"loss": true}"#)
                .unwrap_err()
                .contains("true is not a number")
        );
        assert!(
            parse_json_line(r#"{"step": 1.5, "loss": 1}"#)
                .unwrap_err()
                .contains("not an integer")
        );
        assert_eq!(
            parse_json_line(r#"{"step": 1}"#).unwrap_err(),
            "no metrics in the object"
        );
    }

    #[test]
    fn steps_out_of_range_are_refused_not_clamped() {
        for step in [
            "1e19",
            "1e300",
            "-1e300",
            "9007199254740992",
            "-9223372036854775808",
        ] {
            let line = format!(r#"{{"step": {step}, "loss": 1}}"#);
            let err = parse_json_line(&line).unwrap_err();
            assert!(err.contains("out of range"), "{step}: {err}");
        }
        let quoted = parse_json_line(r#"{"step": "9223372036854775807", "loss": 1}"#);
        assert!(quoted.unwrap_err().contains("out of range"));
        let highest = parse_json_line(r#"{"step": 9007199254740991, "loss": 1}"#).unwrap();
        assert_eq!(highest[0].step, Some(MAX_STEP));
        let lowest = parse_json_line(r#"{"step": -9.007199254740991e15, "loss": 1}"#).unwrap();
        assert_eq!(lowest[0].step, Some(-MAX_STEP));
    }

    #[test]
    fn keras_and_lightning_csv() {
        let mut keras = CsvLog::default();
        assert!(keras.line(1, "epoch,accuracy,loss").unwrap().is_empty());
        assert_eq!(
            keras.line(2, "0,0.5,1.25\n").unwrap(),
            [pt("accuracy", Some(0), 0.5), pt("loss", Some(0), 1.25)]
        );
        let mut lightning = CsvLog::default();
        lightning.line(1, "epoch,step,train_loss,val_loss").unwrap();
        assert_eq!(
            lightning.line(2, "0,49,0.7,").unwrap(),
            [pt("epoch", Some(49), 0.0), pt("train_loss", Some(49), 0.7)]
        );
        assert!(
            lightning
                .line(3, "0,49,0.7")
                .unwrap_err()
                .contains("3 cells where the header has 4")
        );
        assert!(
            lightning
                .line(4, "0,49,abc,")
                .unwrap_err()
                .contains("train_loss")
        );
    }

    fn csv(lines: &[&str]) -> (CsvLog, Vec<Result<Vec<Point>, String>>) {
        let mut log = CsvLog::default();
        let results = (1..)
            .zip(lines)
            .map(|(n, line)| log.line(n, line))
            .collect();
        (log, results)
    }

    #[test]
    fn csv_quoted_cells_hold_commas_quotes_and_line_breaks() {
        let (mut log, results) = csv(&[
            r#"step,"val,loss","say ""hi""""#,
            r#"1,"0.5",2"#,
            r#""2","0."#,
            r#"25",3"#,
        ]);
        assert_eq!(results[0], Ok(vec![]));
        assert_eq!(
            results[1],
            Ok(vec![
                pt("val,loss", Some(1), 0.5),
                pt(r#"say "hi""#, Some(1), 2.0)
            ])
        );
        assert_eq!(
            results[2],
            Ok(vec![]),
            "the record goes on past a quoted line break"
        );
        assert_eq!(
            results[3],
            Err(r"val,loss: '0.\n25' is not a number (in the record from line 3)".to_string())
        );
        assert_eq!(log.finish(), Ok(()));
    }

    #[test]
    fn csv_drops_a_leading_bom_and_reads_crlf() {
        let (_, results) = csv(&["\u{feff}step,loss\r", "3,0.5\r", "", "4,0.25"]);
        assert_eq!(results[1], Ok(vec![pt("loss", Some(3), 0.5)]));
        assert_eq!(results[2], Ok(vec![]), "a blank line is no record");
        assert_eq!(results[3], Ok(vec![pt("loss", Some(4), 0.25)]));
        let (_, later) = csv(&["loss", "\u{feff}1"]);
        assert!(later[1].as_ref().unwrap_err().contains("not a number"));
    }

    #[test]
    fn an_unclosed_quote_is_named_at_the_end() {
        let (mut log, results) = csv(&["step,loss", "1,\"0.5", "2,0.25", ""]);
        assert!(results.iter().all(|r| r == &Ok(vec![])), "{results:?}");
        assert_eq!(
            log.finish(),
            Err((
                2,
                "an unclosed quote: lines 2-4 are one unfinished record".to_string()
            ))
        );
        assert_eq!(log.finish(), Ok(()), "reported once");
    }

    #[test]
    fn params_infer_types_and_compare_numbers() {
        assert_eq!(infer_kind("32"), ParamKind::Int);
        assert_eq!(infer_kind("3e-4"), ParamKind::Float);
        assert_eq!(infer_kind("True"), ParamKind::Bool);
        assert_eq!(infer_kind("adam"), ParamKind::String);
        assert!(same_param("0.1", "0.10"));
        assert!(!same_param("0.1", "0.2"));
        assert!(!same_param("adam", "Adam"));
    }

    #[test]
    fn keys_and_assignments() {
        assert_eq!(
            parse_assignment("val/loss=0.5").unwrap(),
            ("val/loss".into(), "0.5".into())
        );
        assert_eq!(parse_assignment("opt=a=b").unwrap().1, "a=b");
        assert!(parse_assignment("loss").is_err());
        assert!(parse_assignment("=1").is_err());
        assert!(check_key("a\nb").is_err());
    }
}
