//! The center: one folder holding the catalog, the browsable version trees and a staging area.
//! See docs/center-layout.md.

pub mod copy;
pub mod hashing;
pub mod local;
pub mod names;
pub mod nofollow;
pub mod partial;
pub mod sparse;
pub mod store;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::catalog::{self, Catalog, ModelRow, VersionRow};
use local::LocalStore;
use names::quote;
use store::Store;

pub const CATALOG_FILE: &str = "catalog.db";
pub const FILES_DIR: &str = "files";
pub const STAGING_DIR: &str = "staging";

pub struct Center {
    pub root: PathBuf,
    pub catalog: Catalog,
    pub store: Box<dyn Store>,
}

impl Center {
    /// Opens the center at `root` for writing, creating it on first use. A new center is not
    /// made on a network filesystem: see [`catalog::network`].
    pub fn create(root: &Path) -> Result<Center> {
        let new = !root.join(CATALOG_FILE).exists();
        let parent = root.ancestors().find(|p| p.exists()).unwrap_or(root);
        if let Some(filesystem) = catalog::network::network_filesystem(parent).filter(|_| new) {
            bail!(
                "{} is on a network filesystem ({filesystem}), where SQLite's locks are not \
                 dependable; make the center on a local disk, or, if this host alone will ever \
                 write it, create it with `mfile claim-writer` first. See docs/security.md",
                root.display()
            );
        }
        Center::create_claimed(root)
    }

    /// [`Center::create`] without the network filesystem check, for `mfile claim-writer`.
    pub fn create_claimed(root: &Path) -> Result<Center> {
        if root.exists() && !root.is_dir() {
            bail!("the center {} is not a folder", root.display());
        }
        std::fs::create_dir_all(root)
            .with_context(|| format!("could not create the center {}", root.display()))?;
        let store = local_store(root);
        store.prepare()?;
        let catalog = Catalog::open(&root.join(CATALOG_FILE), true)?;
        Ok(Center {
            root: root.to_path_buf(),
            catalog,
            store: Box::new(store),
        })
    }

    /// Opens an existing center; a read command never creates one.
    pub fn open(root: &Path) -> Result<Center> {
        let catalog_path = root.join(CATALOG_FILE);
        if !catalog_path.is_file() {
            if root.exists() && !root.is_dir() {
                bail!("the center {} is not a folder", root.display());
            }
            bail!(
                "no center at {} (no {CATALOG_FILE} there); import something first, \
                 or point --center or MFILE_CENTER at an existing center",
                root.display()
            );
        }
        let catalog = Catalog::open(&catalog_path, false)?;
        Ok(Center {
            root: root.to_path_buf(),
            catalog,
            store: Box::new(local_store(root)),
        })
    }

    pub fn catalog_path(&self) -> PathBuf {
        self.root.join(CATALOG_FILE)
    }

    /// The model, or a "not found" error that says how to list what exists.
    pub fn model(&self, name: &str) -> Result<ModelRow> {
        catalog::model(self.catalog.conn(), name)?.with_context(|| {
            format!(
                "no model {} in the center {}; see `mfile profiles`",
                quote(name),
                self.root.display()
            )
        })
    }

    /// The version of `model`, or a "not found" error that says how to list what exists.
    pub fn version(&self, model: &ModelRow, name: &str) -> Result<VersionRow> {
        catalog::version(self.catalog.conn(), model.id, name)?.with_context(|| {
            format!(
                "model {} has no version {}; see `mfile versions -m {}`",
                model.name,
                quote(name),
                model.name
            )
        })
    }
}

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

fn local_store(root: &Path) -> LocalStore {
    LocalStore::new(root)
}

/// The store key of a version's folder or of a file in it.
pub fn key(model: &str, version: &str, path: &str) -> String {
    if path.is_empty() {
        format!("{model}/{version}")
    } else {
        format!("{model}/{version}/{path}")
    }
}
