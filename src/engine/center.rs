//! The center as the operations see it: its folder, the [`Store`] that holds its bytes and the
//! [`Catalog`] that describes them, opened together. The engine ties the two; neither imports
//! the other.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::bucket_log::Damage;
use crate::catalog::network::network_filesystem;
use crate::catalog::{Catalog, ModelRow, VersionRow};
use crate::center::CATALOG_FILE;
use crate::center::local::LocalStore;
use crate::center::s3::Bucket;
use crate::center::store::Store;
use crate::values::names::{LATEST, quote, shell_word};

pub struct Center {
    /// The center's folder; for a center in object storage, this machine's cache of it.
    pub root: PathBuf,
    /// What people call it: the folder, or the URL.
    pub name: String,
    pub catalog: Catalog,
    pub store: Box<dyn Store>,
    /// Versions whose log in the bucket is damaged (a center in object storage only).
    pub damaged: Vec<Damage>,
    /// The bucket of a center in object storage (for `gc`, which looks at its objects).
    pub bucket: Option<Arc<Bucket>>,
    /// Who signs what this process writes to a bucket (`user@host`).
    pub by: String,
}

impl Center {
    /// Opens the center at `root` for writing, creating it on first use. A new center is not
    /// made on a network filesystem: see [`crate::catalog::network`].
    pub fn create(root: &Path) -> Result<Center> {
        let new = !root.join(CATALOG_FILE).exists();
        let parent = root.ancestors().find(|p| p.exists()).unwrap_or(root);
        if let Some(filesystem) = network_filesystem(parent).filter(|_| new) {
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
        let store = LocalStore::new(root);
        store.prepare()?;
        let catalog = Catalog::open(&root.join(CATALOG_FILE), true)?;
        Ok(Center {
            root: root.to_path_buf(),
            name: root.display().to_string(),
            catalog,
            store: Box::new(store),
            damaged: Vec::new(),
            bucket: None,
            by: String::new(),
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
            name: root.display().to_string(),
            catalog,
            store: Box::new(LocalStore::new(root)),
            damaged: Vec::new(),
            bucket: None,
            by: String::new(),
        })
    }

    pub fn catalog_path(&self) -> PathBuf {
        self.root.join(CATALOG_FILE)
    }

    /// The model, or a "not found" error that says how to list what exists.
    pub fn model(&self, name: &str) -> Result<ModelRow> {
        self.catalog.model(name)?.with_context(|| {
            format!(
                "no model {} in the center {}; see `mfile profiles`",
                quote(name),
                self.name
            )
        })
    }

    /// The name of the version `given` stands for: a version's name as it is, `@latest` the
    /// newest version, `@ALIAS` the version the alias names (`mfile alias`).
    pub fn version_name(&self, model: &ModelRow, given: &str) -> Result<String> {
        let Some(alias) = given.strip_prefix('@') else {
            return Ok(given.to_string());
        };
        let found = match alias {
            LATEST => self.catalog.latest_version(model.id)?,
            _ => self.catalog.alias(model.id, alias)?,
        };
        if let Some(found) = found {
            return Ok(found);
        }
        if alias == LATEST {
            bail!("model {} has no versions yet", model.name);
        }
        // An alias whose version was dropped: say so rather than "no such alias".
        let last = self.catalog.alias_moves(model.id, Some(alias))?.pop();
        if let Some(version) = last.and_then(|m| m.version) {
            bail!(
                "@{alias} of {} named version {version}, which was deleted; see `mfile alias \
                 log -m {} {alias}`",
                model.name,
                shell_word(&model.name)
            );
        }
        bail!(
            "model {} has no alias {}; see `mfile alias list -m {}`",
            model.name,
            quote(alias),
            shell_word(&model.name)
        )
    }

    /// The version of `model`, or a "not found" error that says how to list what exists.
    pub fn version(&self, model: &ModelRow, name: &str) -> Result<VersionRow> {
        self.catalog.version(model.id, name)?.with_context(|| {
            format!(
                "model {} has no version {}; see `mfile versions -m {}`",
                model.name,
                quote(name),
                shell_word(&model.name)
            )
        })
    }
}
