//! The center: one folder holding the catalog, the browsable version trees and a staging area
//! (docs/center-layout.md). This module holds its bytes: the [`store::Store`] interface and its
//! local backend, hashing, partial files. The catalog beside them is `crate::catalog`; the
//! engine opens the two together (`engine::Center`).

pub mod bucket_store;
pub mod copy;
pub mod hashing;
pub mod local;
pub mod nofollow;
pub mod pack;
pub mod partial;
pub mod run_log;
pub mod s3;
pub mod segment;
pub mod sparse;
pub mod store;

use std::path::{Path, PathBuf};

pub const CATALOG_FILE: &str = "catalog.db";
pub const FILES_DIR: &str = "files";
pub const STAGING_DIR: &str = "staging";

/// The center's own storage, by device and inode, so that a path reaching it by another name (a
/// link, a bind mount) is recognised too.
pub struct OwnStorage {
    root: PathBuf,
    root_id: Option<(u64, u64)>,
    /// `files/` and `staging/`.
    folders: Vec<(u64, u64)>,
    /// `catalog.db` and SQLite's `-wal` and `-shm` beside it.
    catalog: Vec<(u64, u64)>,
}

fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

impl OwnStorage {
    pub fn of(root: &Path) -> Self {
        let catalog = ["", "-wal", "-shm"]
            .iter()
            .filter_map(|end| file_id(&root.join(format!("{CATALOG_FILE}{end}"))))
            .collect();
        OwnStorage {
            root: root.to_path_buf(),
            root_id: file_id(root),
            folders: [FILES_DIR, STAGING_DIR]
                .iter()
                .filter_map(|dir| file_id(&root.join(dir)))
                .collect(),
            catalog,
        }
    }

    /// Why `path` (which exists) may not be imported: it is the center, its catalog, or lies in
    /// its `files/` or `staging/` (compared by device and inode along its real path).
    pub fn refuses_source(&self, path: &Path) -> Option<String> {
        let id = file_id(path)?;
        if Some(id) == self.root_id || self.catalog.contains(&id) {
            return Some(format!(
                "is the center {} or its catalog",
                self.root.display()
            ));
        }
        self.inside(path)
    }

    /// Why `to` may not receive a pull: it is the center itself or lies in its `files/` or
    /// `staging/`. A folder that does not exist yet is judged by its nearest existing parent.
    pub fn refuses_destination(&self, to: &Path) -> Option<String> {
        let to = std::path::absolute(to).ok()?;
        let existing = to.ancestors().find(|p| p.exists())?;
        if existing == to && file_id(&to) == self.root_id {
            return Some(format!("is the center {}", self.root.display()));
        }
        self.inside(existing)
    }

    fn inside(&self, path: &Path) -> Option<String> {
        let real = std::fs::canonicalize(path).ok()?;
        real.ancestors()
            .filter_map(file_id)
            .any(|id| self.folders.contains(&id))
            .then(|| {
                format!(
                    "is inside the center {} (its stored files are managed by mfile only)",
                    self.root.display()
                )
            })
    }
}

/// The store key of a version's folder or of a file in it.
pub fn key(model: &str, version: &str, path: &str) -> String {
    if path.is_empty() {
        format!("{model}/{version}")
    } else {
        format!("{model}/{version}/{path}")
    }
}
