//! The SQLite catalog: which models, versions and files the center holds, with their digests.
//! Opened in WAL mode with a long busy timeout; every write is one IMMEDIATE transaction, so
//! concurrent mfile processes queue instead of failing with "database is locked" (and say so
//! while they wait, see [`lock`]).
//!
//! A catalog this user can't write (the file, its folder, or its -wal/-shm files) is opened
//! read-only: with SQLite's `mode=ro` when the -wal and -shm files exist (another process has
//! the catalog open, and SQLite reads its shared index through a private copy), else as
//! `immutable` (nobody has it open; SQLite could not create those files). Writes to it are
//! refused with a message that says why. See docs/security.md for the caveats.
//!
//! All of mfile's SQL is here. The rest of mfile asks through typed methods: queries on a
//! [`Reader`] (which an open [`Catalog`] dereferences to), writes on the [`Tx`] that
//! [`Catalog::write`] hands its closure. No SQLite connection or statement leaves this module.

pub mod aliases;
pub mod lock;
mod names;
pub mod network;
pub mod remote;
pub mod run_outbox;
pub mod runs;
pub mod runs_remote;
mod schema;
pub mod source_cache;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior, params,
};
use serde::Serialize;

use crate::time::Timestamp;
use crate::values::Digests;
use remote::{Change, Remote};

/// How long a writer waits for another to finish. Writers hold the lock for one batch only.
const BUSY_TIMEOUT: Duration = Duration::from_secs(300);
/// A writer tries for the lock this long at a time, then reports its wait and checks Ctrl-C.
const LOCK_POLL: Duration = Duration::from_millis(100);
/// A wait shorter than this is not worth mentioning.
const QUIET_WAIT: Duration = Duration::from_secs(1);

pub struct Catalog {
    reader: Reader,
    path: PathBuf,
    /// Why this catalog was opened read-only, if it was.
    read_only: Option<String>,
    /// Whether the network filesystem check (network.rs) passed, made before the first write.
    writer_checked: bool,
    /// Where writes are committed first, when this catalog caches an object-store center.
    remote: Option<Box<dyn Remote>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelRow {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub key: String,
    pub description: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Serialize)]
pub struct VersionRow {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileRow {
    pub model: String,
    pub version: String,
    pub path: String,
    pub size: u64,
    pub md5: String,
    pub blake3: String,
    pub modified_at: Timestamp,
    pub imported_at: Timestamp,
    /// Where an object-store center keeps the bytes when they are not an object of their own
    /// (`<pack>@<offset>`); `None` on a local center.
    #[serde(skip)]
    pub location: Option<String>,
}

impl FileRow {
    /// The store key of this file.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.model, self.version, self.path)
    }

    pub fn same_content(&self, size: u64, digests: &Digests) -> bool {
        self.size == size && self.md5 == digests.md5 && self.blake3 == digests.blake3
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct VersionSummary {
    pub model: String,
    pub version: String,
    pub files: u64,
    pub bytes: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The aliases that name it (`latest` for the newest), by name.
    pub aliases: Vec<String>,
    /// The runs that produced it (`track --version`, `import --run`), as `OWNER/RUN`.
    pub runs: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelSummary {
    pub model: String,
    pub key: String,
    pub versions: u64,
    pub files: u64,
    pub bytes: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub description: Option<String>,
}

/// The catalog's queries, on its one connection. A [`Catalog`] dereferences to it, and so does
/// a write's [`Tx`], whose queries see what the transaction has written so far.
pub struct Reader {
    conn: Connection,
}

impl Reader {
    /// The connection, for the queries of this module and its children only.
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl Deref for Catalog {
    type Target = Reader;

    fn deref(&self) -> &Reader {
        &self.reader
    }
}

/// One write: an IMMEDIATE transaction, open while [`Catalog::write`] (or
/// [`Catalog::try_write`]) runs its closure, committed when the closure returns Ok. The write
/// methods are on it; the queries, through dereferencing to [`Reader`].
pub struct Tx<'a> {
    reader: &'a Reader,
    /// The changes made so far, when the catalog has a [`Remote`] to publish them to.
    journal: RefCell<Option<Vec<Change>>>,
}

impl Tx<'_> {
    /// Whether this write's changes are recorded for a remote.
    fn journaling(&self) -> bool {
        self.journal.borrow().is_some()
    }

    fn record(&self, change: Change) {
        if let Some(journal) = self.journal.borrow_mut().as_mut() {
            journal.push(change);
        }
    }
}

impl Deref for Tx<'_> {
    type Target = Reader;

    fn deref(&self) -> &Reader {
        self.reader
    }
}

/// Which files a listing covers: the whole center, one model, or one version.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scope<'a> {
    pub model: Option<&'a str>,
    pub version: Option<&'a str>,
}

impl Scope<'_> {
    /// Whether the version `model` `version` is in the scope.
    pub fn covers(&self, model: &str, version: &str) -> bool {
        self.model.is_none_or(|m| m == model) && self.version.is_none_or(|v| v == version)
    }
}

impl Catalog {
    fn new(conn: Connection, path: &Path, read_only: Option<String>) -> Catalog {
        Catalog {
            reader: Reader { conn },
            path: path.to_path_buf(),
            read_only,
            writer_checked: false,
            remote: None,
        }
    }

    /// Opens (creating when `create`) the catalog at `path` and brings its schema up to date.
    pub fn open(path: &Path, create: bool) -> Result<Catalog> {
        let describe = || format!("could not open the catalog {}", path.display());
        if on_read_only_filesystem(path) {
            if create {
                bail!(
                    "the center {} is on a read-only filesystem; only reading commands \
                     (scan, pull, verify, versions, runs, ui, ...) work there",
                    path.parent().unwrap_or(path).display()
                );
            }
            return open_read_only(path, "it is on a read-only filesystem", true)
                .with_context(describe);
        }
        if let Some(why) = not_writable(path) {
            if create {
                bail!(
                    "the catalog {} can't be written by this user ({why}); only reading \
                     commands (scan, pull, verify, versions, runs, ui, ...) work here; ask the \
                     center's owner for write access",
                    path.display()
                );
            }
            return open_read_only(path, &why, unshared(path)).with_context(describe);
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
            create_with_umask(path).with_context(describe)?;
        }
        let mut conn = Connection::open_with_flags(path, flags).with_context(describe)?;
        conn.busy_timeout(BUSY_TIMEOUT).with_context(describe)?;
        set_wal(&conn).with_context(describe)?;
        conn.pragma_update(None, "foreign_keys", true)
            .with_context(describe)?;
        // Damaged b-tree pages are then noticed when read, before anything is written on them.
        conn.pragma_update(None, "cell_size_check", true)
            .with_context(describe)?;
        schema::migrate(&mut conn).with_context(describe)?;
        Ok(Catalog::new(conn, path, None))
    }

    /// Runs `f` in one IMMEDIATE transaction: committed when it returns Ok, rolled back otherwise.
    /// Waits for another writer as long as [`BUSY_TIMEOUT`], reporting the wait after a second.
    pub fn write<T>(&mut self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        if let Some(why) = &self.read_only {
            bail!(
                "the catalog {} is read-only here ({why}); only reading commands (scan, pull, \
                 verify, versions, runs, ui, ...) work",
                self.path.display()
            );
        }
        if !self.writer_checked {
            let host = crate::values::host();
            network::check_writer(&self.reader, self.folder(), &host)?;
            self.writer_checked = true;
        }
        match self.transact(BUSY_TIMEOUT, true, f)? {
            Some(value) => Ok(value),
            None => bail!(
                "gave up waiting for the catalog {} after {} s: {} held its write lock all \
                 that time",
                self.path.display(),
                BUSY_TIMEOUT.as_secs(),
                lock::holder(&self.path).describe()
            ),
        }
    }

    /// Like [`Catalog::write`] for a write that may be skipped (a cache): `None` when the
    /// catalog is read-only or another process holds the lock longer than `patience`.
    pub fn try_write<T>(
        &mut self,
        patience: Duration,
        f: impl FnOnce(&Tx) -> Result<T>,
    ) -> Result<Option<T>> {
        if self.read_only.is_some() {
            return Ok(None);
        }
        self.transact(patience, false, f)
    }

    /// Begins an IMMEDIATE transaction within `limit` (`None` past it), runs `f`, commits.
    fn transact<T>(
        &self,
        limit: Duration,
        report: bool,
        f: impl FnOnce(&Tx) -> Result<T>,
    ) -> Result<Option<T>> {
        let started = Instant::now();
        let mut reported = false;
        let done = |reported: bool, catalog: &Path| {
            if reported {
                lock::report(&lock::Wait {
                    catalog,
                    holder: lock::Holder::Unknown,
                    waited: started.elapsed(),
                    done: true,
                });
            }
        };
        loop {
            let conn = self.conn();
            conn.busy_timeout(LOCK_POLL.min(limit))
                .context("could not set the catalog's busy timeout")?;
            let tx = match Transaction::new_unchecked(conn, TransactionBehavior::Immediate) {
                Ok(tx) => tx,
                Err(e) if is_busy(&e) => {
                    let waited = started.elapsed();
                    if waited >= limit {
                        done(reported, &self.path);
                        break;
                    }
                    if let Err(e) = crate::interrupt::check() {
                        done(reported, &self.path);
                        return Err(e);
                    }
                    if report && waited >= QUIET_WAIT {
                        reported = true;
                        lock::report(&lock::Wait {
                            catalog: &self.path,
                            holder: lock::holder(&self.path),
                            waited,
                            done: false,
                        });
                    }
                    continue;
                }
                Err(e) => {
                    return Err(
                        anyhow::Error::from(e).context("could not start a catalog transaction")
                    );
                }
            };
            done(reported, &self.path);
            tx.busy_timeout(BUSY_TIMEOUT)
                .context("could not set the catalog's busy timeout")?;
            let write = Tx {
                reader: &self.reader,
                journal: RefCell::new(self.remote.as_ref().map(|_| Vec::new())),
            };
            let value = f(&write)?;
            let changes = write.journal.take().unwrap_or_default();
            if let Some(remote) = self.remote.as_ref().filter(|_| !changes.is_empty()) {
                remote.publish(&write, changes)?;
            }
            tx.commit().context("could not commit to the catalog")?;
            return Ok(Some(value));
        }
        self.conn().busy_timeout(BUSY_TIMEOUT)?;
        Ok(None)
    }

    /// Makes `host` the only writer of a center on a network filesystem (`None`: anyone, as
    /// on a local disk). Returns the previous claim. This write is the opt-in, so it skips the
    /// check that [`Catalog::write`] makes.
    pub fn claim_writer(&mut self, host: Option<&str>) -> Result<Option<String>> {
        if let Some(why) = &self.read_only {
            bail!(
                "the catalog {} is read-only here ({why})",
                self.path.display()
            );
        }
        let claim = |tx: &Tx| {
            let previous = tx.writer_host()?;
            tx.set_writer_host(host)?;
            Ok(previous)
        };
        match self.transact(BUSY_TIMEOUT, true, claim)? {
            Some(previous) => Ok(previous),
            None => bail!("gave up waiting for the catalog {}", self.path.display()),
        }
    }

    /// Makes this catalog a cache of `remote`: from now on every write is committed there
    /// first (see [`remote`]).
    pub fn set_remote(&mut self, remote: Box<dyn Remote>) {
        self.remote = Some(remote);
    }

    /// Takes the remote back: writes from now on are this catalog's alone (what a refresh from
    /// the remote does: it applies what the remote has, and must not publish it again).
    pub fn take_remote(&mut self) -> Option<Box<dyn Remote>> {
        self.remote.take()
    }

    /// The folder that holds the catalog.
    pub fn folder(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the catalog is read-only here, if it is.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// SQLite's own check of the catalog file: `quick_check` (every page and record is
    /// readable and well-formed), or with `deep` the slower `integrity_check` (indexes match
    /// their tables too). Returns what it found wrong; empty when the catalog is sound.
    pub fn check(&self, deep: bool) -> Vec<String> {
        let pragma = if deep {
            "PRAGMA integrity_check"
        } else {
            "PRAGMA quick_check"
        };
        let found = self.conn().prepare(pragma).and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        });
        match found {
            Ok(lines) if lines.len() == 1 && lines[0] == "ok" => Vec::new(),
            Ok(lines) => lines,
            // A catalog too damaged to check is damaged.
            Err(e) => vec![e.to_string()],
        }
    }

    /// Runs `read` holding the write lock, so no writer is between publishing bytes and
    /// committing their rows: what it sees of the catalog and the stored files agrees. Writers
    /// wait meanwhile, so keep it short. On a read-only catalog, where the lock can't be had, it
    /// runs as it is. A `query_only` connection (the page's) may take the lock: `read` writes
    /// nothing.
    pub fn settled<T>(&self, read: impl FnOnce(&Reader) -> Result<T>) -> Result<T> {
        let conn = self.conn();
        let query_only = conn
            .pragma_query_value(None, "query_only", |r| r.get::<_, bool>(0))
            .unwrap_or(false);
        if query_only {
            conn.pragma_update(None, "query_only", false)?;
        }
        let locked = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
        if query_only {
            conn.pragma_update(None, "query_only", true)?;
        }
        let value = read(&self.reader);
        if locked {
            conn.execute_batch("COMMIT")?;
        }
        value
    }

    /// Makes this connection refuse every write (SQLite's `query_only`), for the read-only page.
    /// [`Catalog::settled`] still takes the write lock on it, writing nothing.
    pub fn set_query_only(&self) -> Result<()> {
        self.conn().pragma_update(None, "query_only", true)?;
        Ok(())
    }
}

/// Whether no process has `catalog` open to write (it has no WAL or shared-memory file
/// beside it), so it can be read as immutable.
fn unshared(catalog: &Path) -> bool {
    !sidecar(catalog, "-wal").exists() || !sidecar(catalog, "-shm").exists()
}

/// The path of SQLite's `-wal` or `-shm` file for `catalog`.
fn sidecar(catalog: &Path, suffix: &str) -> PathBuf {
    let mut name = catalog.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Why this user can't write the catalog, if they can't: writing needs the file, and the -wal
/// and -shm files (or the folder, to create them).
fn not_writable(path: &Path) -> Option<String> {
    if !path.exists() {
        return None; // created by this open, or "no center" further on
    }
    let folder = path.parent().unwrap_or(path);
    if !may_write(path) {
        return Some(format!("no write permission on {}", path.display()));
    }
    for suffix in ["-wal", "-shm"] {
        let file = sidecar(path, suffix);
        if file.exists() {
            if !may_write(&file) {
                return Some(format!("no write permission on {}", file.display()));
            }
        } else if !may_write(folder) {
            return Some(format!(
                "no write permission on the folder {}",
                folder.display()
            ));
        }
    }
    None
}

/// Whether this process (its effective user and groups) may write `path`.
fn may_write(path: &Path) -> bool {
    use rustix::fs::{Access, AtFlags, CWD};
    rustix::fs::accessat(CWD, path, Access::WRITE_OK, AtFlags::EACCESS).is_ok()
}

/// Creates an empty catalog file with mode 0666 less the umask, as for any new file, so a team
/// that shares a center through a group (umask 002) can write it; SQLite would make it 0644
/// whatever the umask. Its -wal and -shm files take the catalog's mode.
fn create_with_umask(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// True when the catalog's folder is on a filesystem mounted read-only.
fn on_read_only_filesystem(path: &Path) -> bool {
    let folder = path.parent().unwrap_or(path);
    rustix::fs::statvfs(folder)
        .is_ok_and(|stat| stat.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
}

/// A catalog this process can't write. `immutable` when SQLite can't use the -wal and -shm
/// files: on a read-only mount nobody can change the catalog; otherwise nobody has it open right
/// now (a connection keeps those files), and SQLite could not create them. Else `mode=ro`, which
/// reads the WAL through a private copy of its index and so sees other writers' commits. Its
/// schema must be current, since it can't be upgraded here.
fn open_read_only(path: &Path, why: &str, immutable: bool) -> Result<Catalog> {
    let mut uri = crate::percent::sqlite_uri(&path.to_string_lossy());
    uri.push_str(if immutable {
        "?immutable=1"
    } else {
        "?mode=ro"
    });
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&uri, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let found = schema::version(&conn)?;
    if found != schema::LATEST {
        bail!(
            "the catalog has schema version {found} and this mfile needs {}; {why}, so it \
             can't be upgraded here",
            schema::LATEST
        );
    }
    Ok(Catalog::new(conn, path, Some(why.to_string())))
}

/// Switches to WAL once; the setting is stored in the file. Retries while another process holds
/// the lock that switching needs, since SQLite reports that without calling the busy handler.
fn set_wal(conn: &Connection) -> Result<()> {
    for attempt in 0.. {
        let mode: String = match conn.pragma_query_value(None, "journal_mode", |r| r.get(0)) {
            Ok(mode) => mode,
            Err(e) if is_busy(&e) && attempt < 500 => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && attempt < 500 => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// What went wrong with the catalog, in words, when `err` comes from SQLite: raw SQLite messages
/// ("database disk image is malformed", "Integer -5 out of range at index 3") don't say what
/// they mean for the center or what to do. The explanation is added as context, so the exit
/// code and SQLite's own words (at the end of the message) stay.
pub fn explain(err: anyhow::Error, catalog: &Path) -> anyhow::Error {
    let Some(sqlite) = err
        .chain()
        .find_map(|c| c.downcast_ref::<rusqlite::Error>())
    else {
        return err;
    };
    let path = catalog.display();
    let what = match sqlite {
        e if is_corrupt(e) => format!(
            "the catalog {path} is damaged, so nothing was written to it; `mfile verify` \
             checks it; restore catalog.db from a backup, or recover what can be read with \
             `sqlite3 catalog.db .recover`"
        ),
        e if is_busy(e) => format!(
            "another process kept the catalog {path} locked; try again when it has finished"
        ),
        e if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) => format!(
            "the catalog {path} can't be written here (permissions of the file, its folder or \
             its -wal/-shm files); only reading commands work"
        ),
        e if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) => {
            format!("the disk holding the catalog {path} is full")
        }
        rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..) => format!(
            "the catalog {path} holds a value this mfile can't read (changed outside mfile, \
             or damaged); `mfile verify` checks it"
        ),
        _ if format!("{err:#}").contains(&path.to_string()) => return err,
        _ => format!("the catalog {path} could not be used"),
    };
    err.context(what)
}

/// Whether SQLite found the catalog damaged anywhere along `err`'s chain.
pub fn damaged(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|c| c.downcast_ref::<rusqlite::Error>().is_some_and(is_corrupt))
}

/// SQLite's own words for the first SQLite error along `err`'s chain.
pub fn sqlite_message(err: &anyhow::Error) -> String {
    err.chain()
        .find_map(|c| c.downcast_ref::<rusqlite::Error>())
        .map_or_else(|| format!("{err:#}"), ToString::to_string)
}

/// SQLite's SQLITE_CORRUPT and SQLITE_NOTADB: the file is damaged or not a catalog.
fn is_corrupt(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn ts(row: &Row, index: usize) -> rusqlite::Result<Timestamp> {
    row.get(index).map(Timestamp)
}

// ---- models -----------------------------------------------------------------------------

impl Reader {
    pub fn model(&self, name: &str) -> Result<Option<ModelRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, name, key, description, created_at FROM models WHERE name = ?1",
                [name],
                |r| {
                    Ok(ModelRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        key: r.get(2)?,
                        description: r.get(3)?,
                        created_at: ts(r, 4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every model with its counts, sorted by name.
    pub fn model_summaries(&self) -> Result<Vec<ModelSummary>> {
        let mut stmt = self.conn().prepare(
            "SELECT m.name, m.key, m.created_at, m.description,
                    (SELECT count(*) FROM versions v WHERE v.model_id = m.id),
                    (SELECT max(v.updated_at) FROM versions v WHERE v.model_id = m.id),
                    count(f.id), coalesce(sum(f.size), 0)
             FROM models m
             LEFT JOIN versions v ON v.model_id = m.id
             LEFT JOIN files f ON f.version_id = v.id
             GROUP BY m.id ORDER BY m.name",
        )?;
        let rows = stmt.query_map([], |r| {
            let created_at = ts(r, 2)?;
            Ok(ModelSummary {
                model: r.get(0)?,
                key: r.get(1)?,
                created_at,
                description: r.get(3)?,
                versions: r.get(4)?,
                updated_at: r.get::<_, Option<i64>>(5)?.map_or(created_at, Timestamp),
                files: r.get(6)?,
                bytes: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Tx<'_> {
    pub fn ensure_model(&self, name: &str, now: Timestamp) -> Result<ModelRow> {
        let key = match self.journaling() {
            true => shared_key(name),
            false => new_key(name, now),
        };
        self.ensure_model_keyed(name, &key, now)
    }

    /// [`Tx::ensure_model`] with the key a new model gets (an object-store center's caches all
    /// give a model the same key).
    pub fn ensure_model_keyed(&self, name: &str, key: &str, now: Timestamp) -> Result<ModelRow> {
        if let Some(found) = self.model(name)? {
            return Ok(found);
        }
        self.conn().execute(
            "INSERT INTO models (name, key, created_at) VALUES (?1, ?2, ?3)",
            params![name, key, now.0],
        )?;
        self.model(name)?
            .context("a model just inserted is missing")
    }

    pub fn delete_model(&self, model_id: i64) -> Result<()> {
        if self.journaling() {
            let model: String = self.conn().query_row(
                "SELECT name FROM models WHERE id = ?1",
                [model_id],
                |r| r.get(0),
            )?;
            // Whatever waits of the model's runs goes with them.
            self.conn()
                .execute("DELETE FROM run_outbox WHERE model = ?1", [&model])?;
            self.queue(&model, "", "", run_outbox::Op::Drop)?;
            self.record(Change::DropModel { model });
        }
        self.conn()
            .execute("DELETE FROM models WHERE id = ?1", [model_id])?;
        Ok(())
    }
}

/// A model's key in a center that many caches share (object storage): every cache of it
/// gives the model the same key.
pub fn shared_key(name: &str) -> String {
    let hash = blake3::hash(format!("mfile model {name}").as_bytes());
    hash.to_hex()[..16].to_string()
}

/// A model's key: a random-looking, stable id that other systems can use instead of the name.
fn new_key(name: &str, now: Timestamp) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(name.as_bytes());
    hasher.update(&now.0.to_le_bytes());
    hasher.update(&std::process::id().to_le_bytes());
    hasher.finalize().to_hex()[..16].to_string()
}

// ---- versions ---------------------------------------------------------------------------

impl Reader {
    pub fn version(&self, model_id: i64, name: &str) -> Result<Option<VersionRow>> {
        let found = self
            .conn()
            .query_row(
                "SELECT id, name, description, created_at, updated_at FROM versions
                 WHERE model_id = ?1 AND name = ?2",
                params![model_id, name],
                |r| {
                    Ok(VersionRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        description: r.get(2)?,
                        created_at: ts(r, 3)?,
                        updated_at: ts(r, 4)?,
                        tags: BTreeMap::new(),
                    })
                },
            )
            .optional()?;
        match found {
            Some(mut row) => {
                row.tags = tags(self.conn(), row.id)?;
                Ok(Some(row))
            }
            None => Ok(None),
        }
    }

    /// Every version of a model with its file count and bytes (unsorted).
    pub fn version_summaries(&self, model: &ModelRow) -> Result<Vec<VersionSummary>> {
        let mut stmt = self.conn().prepare(
            "SELECT v.id, v.name, v.created_at, v.updated_at, v.description,
                    count(f.id), coalesce(sum(f.size), 0)
             FROM versions v LEFT JOIN files f ON f.version_id = v.id
             WHERE v.model_id = ?1 GROUP BY v.id",
        )?;
        let rows = stmt.query_map([model.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                VersionSummary {
                    model: model.name.clone(),
                    version: r.get(1)?,
                    created_at: ts(r, 2)?,
                    updated_at: ts(r, 3)?,
                    description: r.get(4)?,
                    files: r.get(5)?,
                    bytes: r.get(6)?,
                    tags: BTreeMap::new(),
                    aliases: Vec::new(),
                    runs: Vec::new(),
                },
            ))
        })?;
        let latest = self.latest_version(model.id)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, mut summary) = row?;
            summary.tags = tags(self.conn(), id)?;
            if latest.as_deref() == Some(summary.version.as_str()) {
                summary
                    .aliases
                    .push(crate::values::names::LATEST.to_string());
            }
            summary.aliases.extend(self.aliases_of_version(id)?);
            summary.aliases.sort();
            summary.runs = self.runs_of_version(id)?;
            out.push(summary);
        }
        Ok(out)
    }
}

impl Tx<'_> {
    pub fn ensure_version(&self, model_id: i64, name: &str, now: Timestamp) -> Result<VersionRow> {
        let made = self.conn().execute(
            "INSERT INTO versions (model_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (model_id, name) DO NOTHING",
            params![model_id, name, now.0],
        )?;
        let version = self
            .version(model_id, name)?
            .context("a version just inserted is missing")?;
        if made > 0 && self.journaling() {
            let (model, version) = self.names_of(version.id)?;
            let at = now;
            self.record(Change::CreateVersion { model, version, at });
        }
        Ok(version)
    }

    /// The model's and the version's names of a version id.
    fn names_of(&self, version_id: i64) -> Result<(String, String)> {
        Ok(self.conn().query_row(
            "SELECT m.name, v.name FROM versions v JOIN models m ON m.id = v.model_id
             WHERE v.id = ?1",
            [version_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Sets the description and the given tags and removes the tags `remove` names; returns
    /// whether anything changed.
    pub fn describe_version(
        &self,
        version: &VersionRow,
        description: Option<&str>,
        new_tags: &[(String, String)],
        remove: &[String],
        now: Timestamp,
    ) -> Result<bool> {
        let mut changed = false;
        if let Some(text) = description {
            if version.description.as_deref() != Some(text) {
                self.conn().execute(
                    "UPDATE versions SET description = ?2 WHERE id = ?1",
                    params![version.id, text],
                )?;
                changed = true;
            }
        }
        for key in remove {
            if version.tags.contains_key(key) && !new_tags.iter().any(|(k, _)| k == key) {
                self.conn().execute(
                    "DELETE FROM version_tags WHERE version_id = ?1 AND key = ?2",
                    params![version.id, key],
                )?;
                changed = true;
            }
        }
        for (key, value) in new_tags {
            if version.tags.get(key) != Some(value) {
                self.conn().execute(
                    "INSERT INTO version_tags (version_id, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value",
                    params![version.id, key, value],
                )?;
                changed = true;
            }
        }
        if changed {
            self.touch_version(version.id, now)?;
            if self.journaling() {
                let (model, name) = self.names_of(version.id)?;
                let description = self.conn().query_row(
                    "SELECT description FROM versions WHERE id = ?1",
                    [version.id],
                    |r| r.get(0),
                )?;
                self.record(Change::DescribeVersion {
                    model,
                    version: name,
                    description,
                    tags: tags(self.conn(), version.id)?,
                });
            }
        }
        Ok(changed)
    }

    pub fn touch_version(&self, version_id: i64, now: Timestamp) -> Result<()> {
        self.conn().execute(
            "UPDATE versions SET updated_at = max(updated_at, ?2) WHERE id = ?1",
            params![version_id, now.0],
        )?;
        Ok(())
    }

    pub fn delete_version(&self, version_id: i64) -> Result<()> {
        if self.journaling() {
            let (model, version) = self.names_of(version_id)?;
            self.record(Change::DropVersion { model, version });
        }
        self.conn()
            .execute("DELETE FROM versions WHERE id = ?1", [version_id])?;
        Ok(())
    }
}

fn tags(conn: &Connection, version_id: i64) -> Result<BTreeMap<String, String>> {
    let mut stmt =
        conn.prepare_cached("SELECT key, value FROM version_tags WHERE version_id = ?1")?;
    let rows = stmt.query_map([version_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// ---- files ------------------------------------------------------------------------------

const FILE_COLUMNS: &str =
    "m.name, v.name, f.path, f.size, f.md5, f.blake3, f.modified_at, f.imported_at, f.location
     FROM files f JOIN versions v ON v.id = f.version_id JOIN models m ON m.id = v.model_id";

fn file_row(r: &Row) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        model: r.get(0)?,
        version: r.get(1)?,
        path: r.get(2)?,
        size: r.get(3)?,
        md5: r.get(4)?,
        blake3: r.get(5)?,
        modified_at: ts(r, 6)?,
        imported_at: ts(r, 7)?,
        location: r.get(8)?,
    })
}

impl Reader {
    /// The files in `scope`, ordered by model, version, path.
    pub fn files(&self, scope: Scope) -> Result<Vec<FileRow>> {
        let sql = format!(
            "SELECT {FILE_COLUMNS}
             WHERE (?1 IS NULL OR m.name = ?1) AND (?2 IS NULL OR v.name = ?2)
             ORDER BY m.name, v.name, f.path"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params![scope.model, scope.version], file_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn file(&self, version_id: i64, path: &str) -> Result<Option<FileRow>> {
        let sql = format!("SELECT {FILE_COLUMNS} WHERE f.version_id = ?1 AND f.path = ?2");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        Ok(stmt
            .query_row(params![version_id, path], file_row)
            .optional()?)
    }

    /// Stored files with exactly this content (BLAKE3 and size), for deduplication.
    pub fn files_with_content(&self, blake3: &str, size: u64) -> Result<Vec<FileRow>> {
        let sql = format!("SELECT {FILE_COLUMNS} WHERE f.blake3 = ?1 AND f.size = ?2 LIMIT 4");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params![blake3, size], file_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

pub struct NewFile<'a> {
    pub path: &'a str,
    pub size: u64,
    pub digests: &'a Digests,
    pub modified_at: Timestamp,
    /// Where the store put the bytes, if it says (see [`FileRow::location`]).
    pub location: Option<&'a str>,
    /// It is meant to replace whatever is at the path (`--force`), even content this catalog
    /// has not seen yet (a cache's remote settles that).
    pub replaces: bool,
}

impl Tx<'_> {
    pub fn upsert_file(&self, version_id: i64, file: &NewFile, now: Timestamp) -> Result<()> {
        let before = match self.journaling() {
            true => self.file(version_id, file.path)?,
            false => None,
        };
        let mut stmt = self.conn().prepare_cached(
            "INSERT INTO files (version_id, path, size, md5, blake3, modified_at, imported_at,
                location)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (version_id, path) DO UPDATE SET size = excluded.size, md5 = excluded.md5,
                blake3 = excluded.blake3, modified_at = excluded.modified_at,
                imported_at = excluded.imported_at, location = excluded.location",
        )?;
        stmt.execute(params![
            version_id,
            file.path,
            file.size,
            file.digests.md5,
            file.digests.blake3,
            file.modified_at.0,
            now.0,
            file.location,
        ])?;
        if self.journaling() {
            let replaced =
                file.replaces || before.is_some_and(|b| !b.same_content(file.size, file.digests));
            let stored = self.file(version_id, file.path)?;
            let stored = stored.context("a file just stored is missing")?;
            self.record(Change::PutFile {
                file: stored,
                replaced,
            });
        }
        Ok(())
    }

    pub fn delete_file(&self, version_id: i64, path: &str) -> Result<bool> {
        let mut stmt = self
            .conn()
            .prepare_cached("DELETE FROM files WHERE version_id = ?1 AND path = ?2")?;
        let deleted = stmt.execute(params![version_id, path])? > 0;
        if deleted && self.journaling() {
            let (model, version) = self.names_of(version_id)?;
            self.record(Change::DeleteFile {
                model,
                version,
                path: path.to_string(),
            });
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digests(tag: &str) -> Digests {
        Digests {
            md5: format!("md5-{tag}"),
            blake3: format!("b3-{tag}"),
        }
    }

    fn catalog() -> (tempfile::TempDir, Catalog) {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::open(&dir.path().join("catalog.db"), true).unwrap();
        (dir, catalog)
    }

    /// The read-only URI escapes what SQLite reads in one (`%`, `?`, `#`) and keeps the rest.
    #[test]
    fn read_only_opening_finds_a_catalog_under_any_folder_name() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("a%41b?c#d é+");
        std::fs::create_dir(&folder).unwrap();
        let path = folder.join("catalog.db");
        let mut catalog = Catalog::open(&path, true).unwrap();
        catalog
            .write(|tx| tx.ensure_model("m", Timestamp(1)))
            .unwrap();
        drop(catalog);
        for immutable in [true, false] {
            let catalog = open_read_only(&path, "test", immutable).unwrap();
            assert!(catalog.model("m").unwrap().is_some());
        }
    }

    #[test]
    fn new_catalog_is_wal_at_latest_schema() {
        let (_dir, catalog) = catalog();
        assert_eq!(schema::version(catalog.conn()).unwrap(), schema::LATEST);
        let mode: String = catalog
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn newer_schema_is_refused_with_both_versions() {
        let (dir, catalog) = catalog();
        catalog
            .conn()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        drop(catalog);
        let err = Catalog::open(&dir.path().join("catalog.db"), false)
            .err()
            .unwrap();
        let text = format!("{err:#}");
        assert!(text.contains("schema version 99"), "{text}");
        assert!(
            text.contains(&format!("up to {}", schema::LATEST)),
            "{text}"
        );
    }

    #[test]
    fn missing_catalog_is_not_created_when_not_asked() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Catalog::open(&dir.path().join("catalog.db"), false).is_err());
        assert!(!dir.path().join("catalog.db").exists());
    }

    #[test]
    fn files_upsert_query_and_cascade() {
        let (_dir, mut catalog) = catalog();
        let now = Timestamp(1_000);
        let (model_id, version_id) = catalog
            .write(|tx| {
                let m = tx.ensure_model("churn", now)?;
                let again = tx.ensure_model("churn", Timestamp(2_000))?;
                assert_eq!(m.key, again.key, "ensure is idempotent");
                let v = tx.ensure_version(m.id, "1.0", now)?;
                for (path, tag) in [("b.bin", "b"), ("a/x.json", "x")] {
                    let file = NewFile {
                        path,
                        size: 3,
                        digests: &digests(tag),
                        modified_at: now,
                        location: None,
                        replaces: false,
                    };
                    tx.upsert_file(v.id, &file, now)?;
                }
                let replaced = NewFile {
                    path: "b.bin",
                    size: 4,
                    digests: &digests("b2"),
                    modified_at: now,
                    location: None,
                    replaces: false,
                };
                tx.upsert_file(v.id, &replaced, now)?;
                Ok((m.id, v.id))
            })
            .unwrap();
        let all = catalog.files(Scope::default()).unwrap();
        let paths: Vec<_> = all.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a/x.json", "b.bin"]);
        assert_eq!(all[1].size, 4);
        assert_eq!(all[1].key(), "churn/1.0/b.bin");
        let same = catalog.files_with_content("b3-x", 3).unwrap();
        assert_eq!(same.len(), 1);
        assert!(catalog.files_with_content("b3-x", 4).unwrap().is_empty());
        let summaries = catalog.model_summaries().unwrap();
        assert_eq!(
            (
                summaries[0].versions,
                summaries[0].files,
                summaries[0].bytes
            ),
            (1, 2, 7)
        );
        catalog.write(|tx| tx.delete_model(model_id)).unwrap();
        assert!(catalog.files(Scope::default()).unwrap().is_empty());
        assert!(catalog.file(version_id, "b.bin").unwrap().is_none());
    }

    #[test]
    fn describe_version_reports_changes_only() {
        let (_dir, mut catalog) = catalog();
        catalog
            .write(|tx| {
                let m = tx.ensure_model("m", Timestamp(1))?;
                let v = tx.ensure_version(m.id, "v", Timestamp(1))?;
                let tags = vec![("stage".to_string(), "prod".to_string())];
                assert!(tx.describe_version(&v, Some("first"), &tags, &[], Timestamp(5))?);
                let v = tx.version(m.id, "v")?.unwrap();
                assert_eq!(v.tags["stage"], "prod");
                assert_eq!(v.updated_at, Timestamp(5));
                assert!(!tx.describe_version(&v, Some("first"), &tags, &[], Timestamp(9))?);
                let gone = ["stage".to_string(), "never".to_string()];
                assert!(tx.describe_version(&v, None, &[], &gone, Timestamp(9))?);
                let v = tx.version(m.id, "v")?.unwrap();
                assert!(v.tags.is_empty());
                assert!(!tx.describe_version(&v, None, &[], &gone, Timestamp(9))?);
                Ok(())
            })
            .unwrap();
    }
}
