//! Adopt: register the models, versions and files of a local center of the Python libraries
//! bolt4ds / d6tpipe (`cfg.json`, `files/<profile>/<pipe>/`, a TinyDB `.filedb.json` per
//! profile) in an mfile center. Two phases: [`survey`] reads the old center and touches
//! nothing; [`adopt`] checks each file the library's db records against its md5, then hands
//! each version folder's files to the import engine, which copies them (the old center stays
//! writable by the library, so its files are never hard-linked into the center).
//!
//! The mapping: a profile is a model; its folder `<profile>-v<version>` (bolt4ds `ModelFile`) is
//! that version. A profile with no such folder is plain d6tpipe, whose pipes have no versions:
//! each pipe becomes a model of its own name with version [`PIPE_VERSION`]. Anything else is
//! skipped and said. Symbolic links are never followed; the library's db is read, not adopted.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;
use walkdir::WalkDir;

use super::import::{Entry, ImportOptions, Sources, import};
use super::{Center, FileError, FileStatus, Observer, bullet_list};
use crate::catalog::Scope;
use crate::catalog::source_cache::FileStat;
use crate::center::OwnStorage;
use crate::center::hashing::hash_file;
use crate::error::{FAILURE, exit_code, usage};
use crate::filter::PathFilter;
use crate::values::names::{RelPath, check_name, nfc, quote, shell_word};

/// The libraries' config file: one profile per model.
const CONFIG_FILE: &str = "cfg.json";
/// The folder of the profiles' folders.
const FILES_DIR: &str = "files";
/// The library's file db in a profile's folder.
const FILE_DB: &str = ".filedb.json";
/// The version a d6tpipe pipe (which has none) becomes.
const PIPE_VERSION: &str = "1";

/// What an old center holds: the versions to adopt and what was skipped, with why.
pub struct Survey {
    pub root: PathBuf,
    pub versions: Vec<Found>,
    pub skipped: Vec<Skipped>,
}

/// A version folder of the old center.
pub struct Found {
    pub model: String,
    pub version: String,
    /// The folder, relative to the old center (`files/demo/demo-v1`).
    pub folder: String,
    dir: PathBuf,
    /// Its regular files, with their paths in the version.
    files: Vec<FileAt>,
    /// The md5 the library's db records for a path in the version.
    recorded: HashMap<String, String>,
}

/// A file on disk and its path in the version.
type FileAt = (PathBuf, RelPath);

/// Something of the old center that is not adopted.
pub struct Skipped {
    /// Relative to the old center.
    pub path: String,
    pub reason: String,
}

/// What adopting one version did, file by file.
pub struct AdoptedVersion {
    pub model: String,
    pub version: String,
    pub folder: String,
    pub entries: Vec<Entry>,
    /// The paths the library's db recorded (their bytes were checked against its md5).
    pub in_filedb: HashSet<String>,
    /// Files not adopted: bytes that differ from the db's md5, or that could not be read.
    pub errors: Vec<FileError>,
    /// Why the whole version was not adopted (a conflict with what the version holds).
    pub failed: Option<anyhow::Error>,
}

/// Reads the old center at `root` (the folder of `cfg.json`): its profiles, their version
/// folders, the files in them and the md5s the library recorded. Writes nothing.
pub fn survey(root: &Path, observer: &dyn Observer) -> Result<Survey> {
    let config = root.join(CONFIG_FILE);
    let text = fs::read_to_string(&config).map_err(|e| {
        usage(format!(
            "could not read {}: {e}; pass the folder of a d6tpipe or bolt4ds center, the one \
             that holds {CONFIG_FILE}",
            config.display()
        ))
    })?;
    let profiles: serde_json::Map<String, Value> = serde_json::from_str(&text)
        .map_err(|e| usage(format!("{} is not a profiles file: {e}", config.display())))?;
    let mut survey = Survey {
        root: root.to_path_buf(),
        versions: Vec::new(),
        skipped: Vec::new(),
    };
    let files = root.join(FILES_DIR);
    if is_link(&files) {
        return Err(usage(format!(
            "{} is a symbolic link; adopt does not follow links out of {}",
            files.display(),
            root.display()
        )));
    }
    let mut names: Vec<&String> = profiles.keys().collect();
    names.sort();
    let mut taken: HashMap<(String, String), String> = HashMap::new();
    for profile in names {
        let at = format!("{FILES_DIR}/{profile}");
        for found in profile_versions(&files, profile, &at, &mut survey.skipped, observer) {
            let key = (found.model.clone(), found.version.clone());
            if let Some(first) = taken.get(&key) {
                survey.skipped.push(Skipped {
                    path: found.folder.clone(),
                    reason: format!(
                        "model {} version {} is adopted from {first} already",
                        quote(&found.model),
                        quote(&found.version)
                    ),
                });
                continue;
            }
            taken.insert(key, found.folder.clone());
            survey.versions.push(found);
        }
    }
    Ok(survey)
}

/// The version folders of one profile; what can't be adopted goes to `skipped`.
fn profile_versions(
    files: &Path,
    profile: &str,
    at: &str,
    skipped: &mut Vec<Skipped>,
    observer: &dyn Observer,
) -> Vec<Found> {
    let mut skip = |path: String, reason: String| skipped.push(Skipped { path, reason });
    let dir = files.join(profile);
    match fs::symlink_metadata(&dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(meta) if meta.is_symlink() => {
            skip(at.to_string(), "a symbolic link, not followed".into());
            return Vec::new();
        }
        Ok(_) => {
            skip(at.to_string(), "not a folder".into());
            return Vec::new();
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let why = format!("profile {} has no folder here", quote(profile));
            skip(at.to_string(), why);
            return Vec::new();
        }
        Err(e) => {
            skip(at.to_string(), format!("could not read it: {e}"));
            return Vec::new();
        }
    }
    let recorded = match read_file_db(&dir.join(FILE_DB)) {
        Ok(recorded) => recorded,
        Err(e) => {
            observer.warn(&format!(
                "{at}/{FILE_DB}: {e:#}; its files are adopted without an md5 to check them by"
            ));
            HashMap::new()
        }
    };
    let mut pipes = Vec::new();
    match sorted_entries(&dir) {
        Ok(entries) => {
            for (name, kind) in entries {
                let path = format!("{at}/{name}");
                match kind {
                    Kind::Folder => pipes.push(name),
                    Kind::File if name == FILE_DB => {}
                    Kind::File => skip(path, "a file outside any version folder".into()),
                    Kind::Link => skip(path, "a symbolic link, not followed".into()),
                    Kind::Other => skip(path, "not a regular file or folder".into()),
                }
            }
        }
        Err(e) => skip(at.to_string(), format!("could not read it: {e}")),
    }
    let prefix = format!("{profile}-v");
    let versioned = pipes
        .iter()
        .any(|p| p.len() > prefix.len() && p.starts_with(&prefix));
    let mut found = Vec::new();
    for pipe in pipes {
        let folder = format!("{at}/{pipe}");
        let (model, version) = match versioned {
            true => match pipe.strip_prefix(&prefix).filter(|v| !v.is_empty()) {
                Some(version) => (nfc(profile), nfc(version)),
                None => {
                    let why = format!(
                        "not a version folder of model {} (those are named {prefix}<version>)",
                        quote(profile)
                    );
                    skip(folder, why);
                    continue;
                }
            },
            false => (nfc(&pipe), PIPE_VERSION.to_string()),
        };
        if let Err(e) = check_name("model", &model).and_then(|_| check_name("version", &version)) {
            skip(folder, format!("{e:#}"));
            continue;
        }
        let dir = dir.join(&pipe);
        let files = version_files(&dir, &folder, &mut skip);
        let recorded = recorded.get(&pipe).cloned().unwrap_or_default();
        let on_disk: HashSet<&str> = files.iter().map(|(_, dest)| dest.as_str()).collect();
        let mut gone: Vec<&String> = recorded
            .keys()
            .filter(|p| !on_disk.contains(p.as_str()))
            .collect();
        gone.sort();
        for path in gone {
            let why = "the library's db records it, but it is not on disk".to_string();
            skip(format!("{folder}/{path}"), why);
        }
        found.push(Found {
            model,
            version,
            folder,
            dir,
            files,
            recorded,
        });
    }
    found
}

/// What a folder entry is, without following links.
enum Kind {
    Folder,
    File,
    Link,
    Other,
}

/// A folder's entries with UTF-8 names, sorted by name.
fn sorted_entries(dir: &Path) -> io::Result<Vec<(String, Kind)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let kind = match () {
            _ if kind.is_symlink() => Kind::Link,
            _ if kind.is_dir() => Kind::Folder,
            _ if kind.is_file() => Kind::File,
            _ => Kind::Other,
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        entries.push((name, kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// The regular files below a version folder with their paths in the version. Links (never
/// followed), special files and unusable names are skipped and said.
fn version_files(dir: &Path, folder: &str, skip: &mut impl FnMut(String, String)) -> Vec<FileAt> {
    let mut files = Vec::new();
    let walker = WalkDir::new(dir).follow_links(false).sort_by_file_name();
    for entry in walker.min_depth(1) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let rel = e.path().and_then(|p| p.strip_prefix(dir).ok());
                let at = match rel {
                    Some(rel) => format!("{folder}/{}", rel.to_string_lossy()),
                    None => folder.to_string(),
                };
                skip(at, format!("could not read it: {}", io::Error::from(e)));
                continue;
            }
        };
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let shown = format!("{folder}/{}", rel.to_string_lossy());
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if kind.is_symlink() {
            skip(shown, "a symbolic link, not followed".into());
            continue;
        }
        if !kind.is_file() {
            skip(
                shown,
                "not a regular file (a FIFO, socket or device)".into(),
            );
            continue;
        }
        match RelPath::parse_os("file name", rel.as_os_str()) {
            Ok(dest) => files.push((entry.path().to_path_buf(), dest)),
            Err(e) => skip(shown, format!("{e:#}")),
        }
    }
    files
}

/// What the library's file db (TinyDB) records of each pipe: the `local` list of the pipe's
/// newest `<pipe>-files` document (greatest `updated_at`, then the last), as path → md5, the
/// record the library itself reads as "the files of the pipe". An empty db (the library was
/// used locally only) records nothing. Nothing else of the db is kept: it holds credentials.
fn read_file_db(path: &Path) -> Result<HashMap<String, HashMap<String, String>>> {
    let text = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Ok(meta) if meta.is_symlink() => anyhow::bail!("a symbolic link, not followed"),
        _ => fs::read_to_string(path).context("could not read it")?,
    };
    if text.trim().is_empty() {
        return Ok(HashMap::new());
    }
    let db: serde_json::Map<String, Value> =
        serde_json::from_str(&text).context("not a TinyDB file")?;
    let mut pipes = HashMap::new();
    for (table, docs) in &db {
        let (Some(pipe), Some(docs)) = (table.strip_suffix("-files"), docs.as_object()) else {
            continue;
        };
        let newest = docs
            .iter()
            .filter_map(|(id, doc)| {
                let updated = doc.get("updated_at").and_then(Value::as_str)?;
                Some(((updated, id.parse::<u64>().unwrap_or(0)), doc))
            })
            .max_by(|a, b| a.0.cmp(&b.0));
        let Some((_, doc)) = newest else { continue };
        let mut files = HashMap::new();
        for record in doc
            .get("local")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = record.get("filename").and_then(Value::as_str);
            let md5 = record.get("crc").and_then(Value::as_str);
            let (Some(name), Some(md5)) = (name, md5) else {
                continue;
            };
            let is_md5 = md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit());
            if let (Ok(name), true) = (RelPath::parse("file name", name), is_md5) {
                files.insert(name.to_string(), md5.to_ascii_lowercase());
            }
        }
        pipes.insert(pipe.to_string(), files);
    }
    Ok(pipes)
}

/// Adopts every version the survey found: each file the library's db records is checked
/// against its md5 (a file whose bytes differ is not adopted, and named), then the version
/// folder's files go through the import engine (`imported`, `unchanged`, a conflict with other
/// content in the version stops that version only). A dry run writes nothing.
pub fn adopt(
    mut center: Option<&mut Center>,
    survey: &Survey,
    force: bool,
    dry_run: bool,
    observer: &dyn Observer,
) -> Result<Vec<AdoptedVersion>> {
    if let Some(center) = &center {
        refuse_own_storage(center, &survey.root)?;
    }
    let mut adopted = Vec::with_capacity(survey.versions.len());
    for found in &survey.versions {
        let (files, errors) = check_recorded(center.as_deref(), found, observer)?;
        let mut done = AdoptedVersion {
            model: found.model.clone(),
            version: found.version.clone(),
            folder: found.folder.clone(),
            entries: Vec::new(),
            in_filedb: found.recorded.keys().cloned().collect(),
            errors,
            failed: None,
        };
        let paths = [found.dir.clone()];
        let opts = ImportOptions {
            paths: &paths,
            model: &found.model,
            version: &found.version,
            subdir: RelPath::default(),
            filter: PathFilter::new(&[], &[])?,
            move_files: false,
            force,
            follow_links: false,
            dry_run,
        };
        let outcome = Sources::of_files(files)
            .and_then(|s| import(center.as_deref_mut(), &s, &opts, observer));
        match outcome {
            // A preview that meets a conflict says what the real run would: the version is
            // not adopted.
            Ok(imported)
                if dry_run
                    && imported
                        .entries
                        .iter()
                        .any(|e| e.status == FileStatus::Conflict) =>
            {
                let conflicts: Vec<String> = imported
                    .errors
                    .iter()
                    .map(|e| format!("{:#}", e.error))
                    .collect();
                done.failed = Some(anyhow::anyhow!(
                    "version {} of {} already has other content at these paths (use --force \
                     to replace):{}",
                    found.version,
                    found.model,
                    bullet_list(&conflicts)
                ));
            }
            Ok(imported) => {
                done.entries = imported.entries;
                done.errors.extend(imported.errors);
            }
            Err(e) if exit_code(&e) == FAILURE => done.failed = Some(e),
            Err(e) => return Err(e),
        }
        adopted.push(done);
    }
    Ok(adopted)
}

/// Refuses (exit 2) an old center inside the mfile center, or one that holds it in its
/// `files/`: adopting would read the center's own storage.
fn refuse_own_storage(center: &Center, root: &Path) -> Result<()> {
    if let Some(why) = OwnStorage::of(&center.root).refuses_source(root) {
        return Err(usage(format!(
            "nothing was adopted: {} {why}",
            root.display()
        )));
    }
    let (Ok(ours), Ok(theirs)) = (
        fs::canonicalize(&center.root),
        fs::canonicalize(root.join(FILES_DIR)),
    ) else {
        return Ok(());
    };
    if ours.starts_with(&theirs) || theirs.starts_with(&ours) {
        return Err(usage(format!(
            "nothing was adopted: {} and the center {} lie inside one another; adopt from a \
             folder apart from the center",
            root.display(),
            center.root.display()
        )));
    }
    Ok(())
}

/// Splits a version's files into those to import and those whose bytes differ from the md5
/// the library's db records (not adopted, each named) — unless the version already holds the
/// bytes on disk at that path (someone imported them on purpose).
fn check_recorded(
    center: Option<&Center>,
    found: &Found,
    observer: &dyn Observer,
) -> Result<(Vec<FileAt>, Vec<FileError>)> {
    let stored: HashMap<String, String> = match center {
        Some(center) => {
            let scope = Scope {
                model: Some(&found.model),
                version: Some(&found.version),
            };
            let rows = center.catalog.files(scope)?;
            rows.into_iter().map(|r| (r.path, r.md5)).collect()
        }
        None => HashMap::new(),
    };
    let to_hash: u64 = found
        .files
        .iter()
        .filter(|(_, dest)| found.recorded.contains_key(dest.as_str()))
        .filter_map(|(path, _)| fs::symlink_metadata(path).ok())
        .map(|meta| meta.len())
        .sum();
    observer.start("checking md5", to_hash);
    let (mut files, mut errors) = (Vec::new(), Vec::new());
    for (path, dest) in &found.files {
        crate::interrupt::check()?;
        let Some(expected) = found.recorded.get(dest.as_str()) else {
            files.push((path.clone(), dest.clone()));
            continue;
        };
        match md5_of(center, path, observer) {
            Ok(md5) if &md5 == expected || stored.get(dest.as_str()) == Some(&md5) => {
                files.push((path.clone(), dest.clone()));
            }
            Ok(md5) => {
                let subdir = match dest.as_str().rsplit_once('/') {
                    Some((parent, _)) => format!(" --subdir {}", shell_word(parent)),
                    None => String::new(),
                };
                errors.push(FileError::new(
                    dest.as_str(),
                    anyhow::anyhow!(
                        "{}/{dest}: its bytes (md5 {md5}) are not those the library recorded \
                         (md5 {expected}), so it was not adopted; if the file on disk is the \
                         right one, import it: mfile import {} -m {} --version {}{subdir}",
                        found.folder,
                        shell_word(&path.display().to_string()),
                        shell_word(&found.model),
                        shell_word(&found.version)
                    ),
                ));
            }
            Err(e) => errors.push(FileError::new(dest.as_str(), e)),
        }
    }
    observer.finish();
    Ok((files, errors))
}

/// A file's md5: from the center's source cache when the file is unchanged since it was
/// hashed, else read.
fn md5_of(center: Option<&Center>, path: &Path, observer: &dyn Observer) -> Result<String> {
    let meta =
        fs::symlink_metadata(path).with_context(|| format!("could not read {}", path.display()))?;
    if let Some(center) = center {
        if let Some(digests) = center.catalog.cached_digests(path, &FileStat::of(&meta))? {
            observer.advance(meta.len());
            return Ok(digests.md5);
        }
    }
    Ok(hash_file(path, |n| observer.advance(n))?.0.md5)
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink())
}
