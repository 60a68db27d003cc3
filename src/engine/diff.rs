//! What changed between two versions of a model, file by file (like `dvc diff`): added,
//! removed and changed files, compared by content (BLAKE3 and size), from the catalog alone.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::Center;
use crate::catalog::{FileRow, Scope};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    pub fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// One path that differs, with its size and md5 in each version (absent where it is not).
#[derive(Debug, Serialize)]
pub struct FileChange {
    pub path: String,
    pub change: Change,
    pub size_before: Option<u64>,
    pub size_after: Option<u64>,
    pub md5_before: Option<String>,
    pub md5_after: Option<String>,
}

/// The differences, sorted by path, and how many files are the same in both.
pub struct Diff {
    pub changes: Vec<FileChange>,
    pub unchanged: u64,
}

/// `mfile diff --json`'s document, which the page's diff API serves too.
#[derive(Serialize)]
pub struct DiffDoc {
    pub model: String,
    pub from: String,
    pub to: String,
    pub files: Vec<FileChange>,
    pub totals: Totals,
}

#[derive(Default, Serialize)]
pub struct Totals {
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub unchanged: u64,
}

impl DiffDoc {
    pub fn new(model: &str, from: &str, to: &str, found: Diff) -> DiffDoc {
        let mut totals = Totals {
            unchanged: found.unchanged,
            ..Totals::default()
        };
        for change in &found.changes {
            *match change.change {
                Change::Added => &mut totals.added,
                Change::Removed => &mut totals.removed,
                Change::Changed => &mut totals.changed,
            } += 1;
        }
        DiffDoc {
            model: model.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            files: found.changes,
            totals,
        }
    }
}

/// Compares version `before` of `model` with version `after` (both must exist).
pub fn diff(center: &Center, model: &str, before: &str, after: &str) -> Result<Diff> {
    let model_row = center.model(model)?;
    center.version(&model_row, before)?;
    center.version(&model_row, after)?;
    let files = |version| {
        center.catalog.files(Scope {
            model: Some(model),
            version: Some(version),
        })
    };
    Ok(compare(files(before)?, files(after)?))
}

fn compare(before: Vec<FileRow>, after: Vec<FileRow>) -> Diff {
    let mut old: BTreeMap<String, FileRow> =
        before.into_iter().map(|r| (r.path.clone(), r)).collect();
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for new in after {
        let change = match old.remove(&new.path) {
            None => Some((Change::Added, None)),
            Some(row) if row.blake3 == new.blake3 && row.size == new.size => None,
            Some(row) => Some((Change::Changed, Some(row))),
        };
        match change {
            None => unchanged += 1,
            Some((change, row)) => changes.push(FileChange {
                path: new.path,
                change,
                size_before: row.as_ref().map(|r| r.size),
                size_after: Some(new.size),
                md5_before: row.map(|r| r.md5),
                md5_after: Some(new.md5),
            }),
        }
    }
    changes.extend(old.into_values().map(|row| FileChange {
        path: row.path,
        change: Change::Removed,
        size_before: Some(row.size),
        size_after: None,
        md5_before: Some(row.md5),
        md5_after: None,
    }));
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Diff { changes, unchanged }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn row(path: &str, content: &str) -> FileRow {
        FileRow {
            model: "m".into(),
            version: "v".into(),
            path: path.into(),
            size: content.len() as u64,
            md5: format!("md5-{content}"),
            blake3: format!("b3-{content}"),
            modified_at: Timestamp(0),
            imported_at: Timestamp(0),
            location: None,
        }
    }

    #[test]
    fn added_removed_and_changed_by_content() {
        let before = vec![row("a", "1"), row("b", "2"), row("c", "3")];
        let after = vec![row("a", "1"), row("b", "22"), row("d", "4")];
        let diff = compare(before, after);
        let got: Vec<(&str, Change)> = diff
            .changes
            .iter()
            .map(|c| (c.path.as_str(), c.change))
            .collect();
        assert_eq!(
            got,
            [
                ("b", Change::Changed),
                ("c", Change::Removed),
                ("d", Change::Added)
            ]
        );
        assert_eq!(diff.unchanged, 1);
        assert_eq!(diff.changes[0].size_before, Some(1));
        assert_eq!(diff.changes[0].size_after, Some(2));
        assert_eq!(diff.changes[1].md5_after, None);
    }
}
