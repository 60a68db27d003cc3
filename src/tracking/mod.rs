//! Training records: parsing what training code emits, writing metric points in batches, and
//! the rules for reading them back (which direction is "best", how values print).

pub mod ingest;
pub mod listing;
pub mod parse;
pub mod query;

use serde::{Serialize, Serializer};

/// Which way is better for a metric, from its name: `min` for losses and errors, `max` for
/// accuracy-like scores, none otherwise. Documented in docs/tracking.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Min,
    Max,
}

const LOWER_IS_BETTER: &[&str] = &[
    "loss",
    "error",
    "err",
    "mse",
    "mae",
    "rmse",
    "mape",
    "perplexity",
    "ppl",
    "wer",
    "cer",
    "fpr",
    "fnr",
];
const HIGHER_IS_BETTER: &[&str] = &[
    "acc",
    "accuracy",
    "f1",
    "precision",
    "recall",
    "auc",
    "auroc",
    "map",
    "bleu",
    "rouge",
    "iou",
    "dice",
    "r2",
    "score",
    "tpr",
    "tnr",
    "top1",
    "top5",
];

/// The direction of a metric: its name is split into words at anything that is not a letter or
/// digit (`val_loss` → `val`, `loss`); a word from the lower-is-better list wins over one from
/// the higher-is-better list (`acc_loss` is a loss).
pub fn direction(name: &str) -> Option<Direction> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if words.iter().any(|w| LOWER_IS_BETTER.contains(w)) {
        Some(Direction::Min)
    } else if words.iter().any(|w| HIGHER_IS_BETTER.contains(w)) {
        Some(Direction::Max)
    } else {
        None
    }
}

/// The best (value, step) of a metric by its direction; `None` without a direction or a value.
pub fn best(key: &str, summary: &crate::catalog::runs::Summary) -> Option<(f64, i64)> {
    match direction(key)? {
        Direction::Min => summary.min,
        Direction::Max => summary.max,
    }
}

/// A metric value in JSON: a number, or the strings `"NaN"`, `"Infinity"`, `"-Infinity"`
/// (JSON has no such numbers).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value(pub f64);

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            v if v.is_nan() => serializer.serialize_str("NaN"),
            v if v == f64::INFINITY => serializer.serialize_str("Infinity"),
            v if v == f64::NEG_INFINITY => serializer.serialize_str("-Infinity"),
            v => serializer.serialize_f64(v),
        }
    }
}

/// A value for a table cell: the shortest exact form when short, else 6 significant digits.
pub fn show(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let exact = value.to_string();
    if exact.len() <= 10 {
        return exact;
    }
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-4..1e9).contains(&magnitude) {
        format!("{value:.5e}")
    } else {
        let text = format!("{value:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_from_the_name() {
        assert_eq!(direction("loss"), Some(Direction::Min));
        assert_eq!(direction("val_loss"), Some(Direction::Min));
        assert_eq!(direction("val/accuracy"), Some(Direction::Max));
        assert_eq!(direction("F1"), Some(Direction::Max));
        assert_eq!(direction("lr"), None);
        assert_eq!(direction("glossary"), None, "whole words only");
        assert_eq!(direction("acc_loss"), Some(Direction::Min));
    }

    #[test]
    fn values_show_and_serialise() {
        assert_eq!(show(0.41), "0.41");
        assert_eq!(show(0.123456789012), "0.123457");
        assert_eq!(show(1.5e-9), "1.50000e-9");
        assert_eq!(show(f64::NAN), "NaN");
        assert_eq!(show(f64::NEG_INFINITY), "-inf");
        let json =
            serde_json::to_string(&[Value(0.5), Value(f64::NAN), Value(f64::INFINITY)]).unwrap();
        assert_eq!(json, r#"[0.5,"NaN","Infinity"]"#);
    }
}
