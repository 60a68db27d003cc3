//! The catalog's schema, one migration per version. `PRAGMA user_version` holds the version
//! applied; a catalog newer than [`LATEST`] is refused rather than guessed at.

use anyhow::{Result, bail};
use rusqlite::{Connection, TransactionBehavior};

/// Each entry moves the schema from version `i` to `i + 1`. Append; never edit a shipped one.
/// Later issues add tables (aliases, training runs) as new entries.
const MIGRATIONS: &[&str] = &[
    // 1: models, versions with tags, files. Times are nanoseconds since the Unix epoch, UTC.
    "CREATE TABLE models (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        key         TEXT NOT NULL UNIQUE,
        description TEXT,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE versions (
        id          INTEGER PRIMARY KEY,
        model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        description TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        UNIQUE (model_id, name)
    );
    CREATE TABLE version_tags (
        version_id  INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        value       TEXT NOT NULL,
        PRIMARY KEY (version_id, key)
    );
    CREATE TABLE files (
        id          INTEGER PRIMARY KEY,
        version_id  INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        size        INTEGER NOT NULL,
        md5         TEXT NOT NULL,
        blake3      TEXT NOT NULL,
        modified_at INTEGER NOT NULL,
        imported_at INTEGER NOT NULL,
        UNIQUE (version_id, path)
    );
    CREATE INDEX files_by_content ON files (blake3, size);",
    // 2: training runs, their params and metric points. A metric value of NULL is NaN (SQLite
    // can't store NaN); ±inf are stored as REAL. metric_summaries is kept up to date on ingest
    // so that listing runs never scans their histories.
    "CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        version_id  INTEGER REFERENCES versions(id) ON DELETE SET NULL,
        owner       TEXT NOT NULL,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER,
        exit_code   INTEGER,
        host        TEXT NOT NULL,
        note        TEXT,
        command     TEXT,
        UNIQUE (model_id, owner, name)
    );
    CREATE TABLE run_tags (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        value       TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE params (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        value       TEXT NOT NULL,
        kind        TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE metric_keys (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE
    );
    CREATE TABLE metrics (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key_id      INTEGER NOT NULL REFERENCES metric_keys(id),
        step        INTEGER NOT NULL,
        value       REAL,
        logged_at   INTEGER NOT NULL,
        PRIMARY KEY (run_id, key_id, step)
    ) WITHOUT ROWID;
    CREATE TABLE metric_summaries (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key_id      INTEGER NOT NULL REFERENCES metric_keys(id),
        count       INTEGER NOT NULL,
        last_step   INTEGER NOT NULL,
        last_value  REAL,
        min_value   REAL,
        min_step    INTEGER,
        max_value   REAL,
        max_step    INTEGER,
        PRIMARY KEY (run_id, key_id)
    ) WITHOUT ROWID;",
    // 3: what import last hashed at a source path, so re-importing an unchanged file (a CI
    // retry) needs a stat instead of a read. See catalog/source_cache.rs for when it is trusted.
    "CREATE TABLE source_cache (
        path        TEXT PRIMARY KEY,
        dev         INTEGER NOT NULL,
        ino         INTEGER NOT NULL,
        size        INTEGER NOT NULL,
        mtime       INTEGER NOT NULL,
        ctime       INTEGER NOT NULL,
        md5         TEXT NOT NULL,
        blake3      TEXT NOT NULL,
        hashed_at   INTEGER NOT NULL
    ) WITHOUT ROWID;",
    // 4: settings of the center, e.g. the one host allowed to write a center on a network
    // filesystem (catalog/network.rs).
    "CREATE TABLE settings (
        key         TEXT PRIMARY KEY,
        value       TEXT NOT NULL
    ) WITHOUT ROWID;",
    // 5: a catalog that caches an object-store center: where a file's bytes are in the bucket
    // (files.location: a pack and offset; NULL for bytes of their own, and on a local center),
    // and how far each version's change log in the bucket has been applied (remote_logs).
    "ALTER TABLE files ADD COLUMN location TEXT;
    CREATE TABLE remote_logs (
        model       TEXT NOT NULL,
        version     TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        PRIMARY KEY (model, version)
    ) WITHOUT ROWID;",
    // 6: the last segment of each log that dropped its version (a log reads from there, so a
    // segment missing before it does not count), and the ETag of the last segment applied (one
    // written again under its number means the cache must read the version again).
    "ALTER TABLE remote_logs ADD COLUMN restart INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE remote_logs ADD COLUMN etag TEXT NOT NULL DEFAULT '';",
    // 7: the runs of an object-store center (catalog/runs_remote.rs): how far each model's run
    // log is applied and the segments of it that could not be read, each run's last segment,
    // chunks of points (loaded when wanted) and damage, and the summaries only the points can
    // set right (a chunk that goes back in steps).
    "CREATE TABLE run_logs (
        model       TEXT PRIMARY KEY,
        seq         INTEGER NOT NULL,
        etag        TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE run_log_holes (
        model       TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        why         TEXT NOT NULL,
        PRIMARY KEY (model, seq)
    ) WITHOUT ROWID;
    CREATE TABLE run_remote (
        run_id          INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        last_seq        INTEGER NOT NULL DEFAULT 0,
        points_loaded   INTEGER NOT NULL DEFAULT 1,
        damaged         TEXT
    );
    CREATE TABLE run_chunks (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        ord         INTEGER NOT NULL,
        blake3      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        points      INTEGER NOT NULL,
        PRIMARY KEY (run_id, ord)
    ) WITHOUT ROWID;
    ALTER TABLE metric_summaries ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;",
    // 8: what this cache recorded of runs and has not uploaded to the bucket yet
    // (catalog/run_outbox.rs), the segments it is sending (one found in the bucket is ours, and
    // its rows went up), the highest step of each key of a run in the bucket (where a point
    // logged without a step goes next), and the newest index of each run log.
    "CREATE TABLE run_outbox (
        n           INTEGER PRIMARY KEY AUTOINCREMENT,
        model       TEXT NOT NULL,
        owner       TEXT NOT NULL,
        run         TEXT NOT NULL,
        op          TEXT NOT NULL,
        points      INTEGER NOT NULL,
        data        BLOB NOT NULL
    );
    CREATE INDEX run_outbox_by_run ON run_outbox (model, owner, run);
    CREATE TABLE run_keys_remote (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key_id      INTEGER NOT NULL,
        hi          INTEGER NOT NULL,
        PRIMARY KEY (run_id, key_id)
    ) WITHOUT ROWID;
    CREATE TABLE run_segments_sending (
        id          TEXT PRIMARY KEY
    ) WITHOUT ROWID;
    ALTER TABLE run_logs ADD COLUMN index_seq INTEGER NOT NULL DEFAULT 0;",
    // 9: aliases of versions (catalog/aliases.rs) and every move of each, which outlives the
    // version it named (the name is kept as text).
    "CREATE TABLE aliases (
        model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        version_id  INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        set_at      INTEGER NOT NULL,
        set_by      TEXT NOT NULL,
        PRIMARY KEY (model_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE alias_moves (
        id          INTEGER PRIMARY KEY,
        model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        version     TEXT,
        at          INTEGER NOT NULL,
        by          TEXT NOT NULL
    );
    CREATE UNIQUE INDEX alias_moves_once
        ON alias_moves (model_id, name, coalesce(version, ''), at, by);",
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the catalog to [`LATEST`]; refuses one written by a newer mfile.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    if version(conn)? == LATEST {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read under the write lock: another process may have migrated meanwhile.
    let found = version(&tx)?;
    if found > LATEST {
        bail!(
            "the catalog has schema version {found}, but this mfile supports up to {LATEST}; \
             upgrade mfile to use this center"
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        if let Err(e) = tx.execute_batch(sql) {
            // SQLite's message quotes the whole statement; its first clause says enough.
            let text = e.to_string();
            let why = text.split(" in ").next().unwrap_or(&text);
            bail!(
                "could not upgrade the catalog from schema version {index} to {}: {why}; its \
                 tables don't match the version it records (PRAGMA user_version = {found}), \
                 so it was changed outside mfile; restore it from a backup",
                index + 1
            );
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}
