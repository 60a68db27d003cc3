//! Centers on network filesystems. SQLite's WAL needs memory shared by every writer, so on one
//! host only, and its locks are not dependable over NFS, SMB and most FUSE filesystems (SQLite's
//! own documentation says so): two machines writing one catalog there can corrupt it without a
//! word. Writing is refused on such a filesystem unless one host has claimed the center as its
//! only writer (`mfile claim-writer`); the catalog records that host, and a write from any other
//! host is refused. Reading stays possible everywhere.

use std::path::Path;

use anyhow::{Result, bail};
use rusqlite::{OptionalExtension, params};

use super::{Reader, Tx};

/// The name of the network filesystem that holds `folder`, or `None` for a local one.
pub fn network_filesystem(folder: &Path) -> Option<&'static str> {
    let kind = rustix::fs::statfs(folder).ok()?.f_type as u64;
    let name = match kind {
        0x6969 => "nfs",
        0x517b => "smb",
        0xff53_4d42 => "cifs",
        0xfe53_4d42 => "smb2",
        0x6573_5546 => "fuse", // sshfs, s3fs, rclone mount, glusterfs, ...
        0x00c3_6400 => "ceph",
        0x5346_414f | 0x6b41_4653 => "afs",
        0x0102_1997 => "9p",
        0x7375_7245 => "coda",
        0x564c => "ncp",
        0x0116_1970 => "gfs2",
        0x7461_636f => "ocfs2",
        0x0bd0_0bd0 => "lustre",
        0x4750_4653 => "gpfs",
        0x1366_1366 => "orangefs",
        _ => return None,
    };
    Some(name)
}

const WRITER_KEY: &str = "single_writer_host";

impl Reader {
    /// The host that claimed the center as its only writer, if any.
    pub fn writer_host(&self) -> Result<Option<String>> {
        self.setting(WRITER_KEY)
    }

    /// A setting of the center (the `settings` table).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = ?1";
        Ok(self
            .conn()
            .query_row(sql, params![key], |r| r.get(0))
            .optional()?)
    }
}

impl Tx<'_> {
    /// Records `host` as the only writer (`None` releases the claim); see
    /// [`Catalog::claim_writer`](super::Catalog::claim_writer).
    pub(super) fn set_writer_host(&self, host: Option<&str>) -> Result<()> {
        match host {
            Some(host) => self.set_setting(WRITER_KEY, host),
            None => {
                let sql = "DELETE FROM settings WHERE key = ?1";
                self.conn().execute(sql, params![WRITER_KEY])?;
                Ok(())
            }
        }
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}

/// Refuses a write from `host` to the catalog in `folder` when that is on a network filesystem
/// and `host` has not claimed it.
pub(super) fn check_writer(catalog: &Reader, folder: &Path, host: &str) -> Result<()> {
    let Some(filesystem) = network_filesystem(folder) else {
        return Ok(());
    };
    match catalog.writer_host()? {
        Some(claimed) if claimed == host => Ok(()),
        Some(claimed) => bail!(
            "the center {} is on a network filesystem ({filesystem}) and host {claimed} is its \
             only writer; this host ({host}) can read it but not write it. See docs/security.md",
            folder.display()
        ),
        None => bail!(
            "the center {} is on a network filesystem ({filesystem}); SQLite's locks are not \
             dependable there, so writers on two machines could corrupt its catalog. Use a center \
             on a local disk, or, if this host alone ever writes it, run `mfile claim-writer` \
             here first (reading works as it is). See docs/security.md",
            folder.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_folder_is_not_a_network_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(network_filesystem(dir.path()), None);
    }
}
