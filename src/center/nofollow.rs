//! Folders held open by handle, so that no write can be redirected through a symbolic link.
//!
//! A path is resolved again by the kernel at every call, so checking a path's parents once and
//! then writing to it lets anyone who can rename a folder in between (a teammate with write access
//! to a shared center, another program in the workspace) swap in a link and redirect the write.
//! A [`Dir`] is opened one component at a time with `O_NOFOLLOW | O_DIRECTORY`, and every
//! create, rename, link and unlink names one entry relative to such a handle: a link met anywhere
//! below the root is refused, and a folder swapped after it was opened is not followed.

use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags, ResolveFlags, Stat};

use super::partial;

/// Up to this many files or folders are fsynced one by one; more get one syncfs — one journal
/// commit instead of hundreds, though it also waits for other processes' dirty data there.
pub const FEW: usize = 16;

/// Open flags for a folder below a root: never through a link.
const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// An open folder, with its path kept for messages only.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

/// A link (or another kind of entry) where mfile needs a real folder or regular file.
#[derive(Debug, thiserror::Error)]
#[error("{} is a symbolic link or special file; mfile never follows links here", .0.display())]
pub struct LinkRefused(pub PathBuf);

pub fn link_refused(path: &Path) -> io::Error {
    io::Error::other(LinkRefused(path.to_path_buf()))
}

/// True when `err` comes from a refused link.
pub fn is_link_refused(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<LinkRefused>().is_some()
            || cause
                .downcast_ref::<io::Error>()
                .and_then(|e| e.get_ref())
                .is_some_and(|inner| inner.is::<LinkRefused>())
    })
}

impl Dir {
    /// Opens `path` as a root. A link naming the root itself is followed: the user chose it.
    pub fn open(path: &Path) -> io::Result<Dir> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Dir {
            fd,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The folder `rel` (`/`-separated, already validated) below this one, opened one component
    /// at a time without following links. With `create`, missing folders are made (mode 0777
    /// less the umask). `Ok(None)` when a component is missing and `create` is false.
    pub fn sub(&self, rel: &str, create: bool) -> io::Result<Option<Dir>> {
        if rel.is_empty() {
            return self.try_clone().map(Some);
        }
        match self.open_beneath(rel) {
            Some(Ok(dir)) => Ok(Some(dir)),
            Some(Err(e)) if e.kind() == io::ErrorKind::NotFound && !create => Ok(None),
            Some(Err(e)) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => self.walk(rel, create), // missing, to be made; or no openat2 here
        }
    }

    /// [`Dir::sub`] one component at a time: `openat(O_NOFOLLOW | O_DIRECTORY)` and `mkdirat`.
    fn walk(&self, rel: &str, create: bool) -> io::Result<Option<Dir>> {
        let mut current: Option<Dir> = None;
        for name in rel.split('/').filter(|n| !n.is_empty()) {
            let parent = current.as_ref().unwrap_or(self);
            let next = match parent.open_child(name) {
                Ok(dir) => dir,
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                    match rustix::fs::mkdirat(parent.fd(), name, Mode::from_raw_mode(0o777)) {
                        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => {
                            return Err(with_path(e.into(), &parent.path.join(name)));
                        }
                    }
                    parent.open_child(name)?
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            current = Some(next);
        }
        Ok(current)
    }

    /// The whole of `rel` in one `openat2` that refuses any link on the way (Linux 5.6+);
    /// `None` where the kernel or a sandbox does not offer it.
    fn open_beneath(&self, rel: &str) -> Option<io::Result<Dir>> {
        let resolve = ResolveFlags::NO_SYMLINKS | ResolveFlags::BENEATH;
        let path = self.path.join(rel);
        match rustix::fs::openat2(self.fd(), rel, DIR_FLAGS, Mode::empty(), resolve) {
            Ok(fd) => Some(Ok(Dir { fd, path })),
            Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM | rustix::io::Errno::INVAL) => {
                None
            }
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR | rustix::io::Errno::XDEV) => {
                Some(Err(link_refused(&path)))
            }
            Err(e) => Some(Err(with_path(e.into(), &path))),
        }
    }

    fn open_child(&self, name: &str) -> io::Result<Dir> {
        let path = self.path.join(name);
        match rustix::fs::openat(self.fd(), name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Dir { fd, path }),
            // O_NOFOLLOW on a link gives ELOOP, O_DIRECTORY on a file ENOTDIR.
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => Err(link_refused(&path)),
            Err(e) => Err(with_path(e.into(), &path)),
        }
    }

    pub fn try_clone(&self) -> io::Result<Dir> {
        Ok(Dir {
            fd: self.fd.try_clone()?,
            path: self.path.clone(),
        })
    }

    /// The entry `name` as it is (a link is not followed); `None` when there is none.
    pub fn stat(&self, name: &str) -> io::Result<Option<Stat>> {
        match rustix::fs::statat(self.fd(), name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(stat)),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(with_path(e.into(), &self.path.join(name))),
        }
    }

    /// Opens the regular file `name` for reading; `None` when there is none. A link or any
    /// other kind of entry is refused.
    pub fn open_file(&self, name: &str) -> io::Result<Option<File>> {
        let path = self.path.join(name);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = match rustix::fs::openat(self.fd(), name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(rustix::io::Errno::LOOP) => return Err(link_refused(&path)),
            Err(e) => return Err(with_path(e.into(), &path)),
        };
        // NONBLOCK only kept a FIFO from blocking the open; it must not be read as one.
        if FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode) != FileType::RegularFile {
            return Err(link_refused(&path));
        }
        rustix::fs::fcntl_setfl(&fd, OFlags::empty())?;
        Ok(Some(File::from(fd)))
    }

    /// Creates a new private file named as a partial of `base` (see [`partial`]); `mode` is
    /// masked by the umask. The caller renames it into place or drops it (which removes it).
    pub fn create_temp(self: &Arc<Self>, base: &str, mode: u32) -> io::Result<(TempFile, File)> {
        loop {
            let name = partial::name(base);
            // Read and write: a staged copy is hashed by reading it back (center::copy).
            let flags =
                OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            match rustix::fs::openat(self.fd(), &name, flags, Mode::from_raw_mode(mode)) {
                Ok(fd) => {
                    let temp = TempFile {
                        dir: Arc::clone(self),
                        name: Some(name),
                    };
                    return Ok((temp, File::from(fd)));
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(with_path(e.into(), &self.path)),
            }
        }
    }

    /// Renames `name` here to `to_name` in `to`. With `replace` false an existing entry there
    /// is an `AlreadyExists` error (where the filesystem can't promise that, a check just
    /// before the rename stands in).
    pub fn rename(&self, name: &str, to: &Dir, to_name: &str, replace: bool) -> io::Result<()> {
        let result = if replace {
            rustix::fs::renameat(self.fd(), name, to.fd(), to_name)
        } else {
            match rustix::fs::renameat_with(
                self.fd(),
                name,
                to.fd(),
                to_name,
                RenameFlags::NOREPLACE,
            ) {
                Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                    if to.stat(to_name)?.is_some() {
                        Err(rustix::io::Errno::EXIST)
                    } else {
                        rustix::fs::renameat(self.fd(), name, to.fd(), to_name)
                    }
                }
                other => other,
            }
        };
        result.map_err(|e| with_path(e.into(), &to.path.join(to_name)))
    }

    /// Makes `to_name` in `to` a new hard link to the file `name` here (a link is linked as a
    /// link, never followed).
    pub fn hard_link(&self, name: &str, to: &Dir, to_name: &str) -> io::Result<()> {
        rustix::fs::linkat(self.fd(), name, to.fd(), to_name, AtFlags::empty())
            .map_err(|e| with_path(e.into(), &to.path.join(to_name)))
    }

    /// Removes the entry `name` (a link itself, never its target); `false` when there was none.
    pub fn remove_file(&self, name: &str) -> io::Result<bool> {
        match rustix::fs::unlinkat(self.fd(), name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::NOENT) => Ok(false),
            Err(e) => Err(with_path(e.into(), &self.path.join(name))),
        }
    }

    /// Removes the empty folder `name`.
    pub fn remove_dir(&self, name: &str) -> io::Result<()> {
        rustix::fs::unlinkat(self.fd(), name, AtFlags::REMOVEDIR)
            .map_err(|e| with_path(e.into(), &self.path.join(name)))
    }

    /// Removes the folder `name` and everything below it, without following any link (a link
    /// in its place is removed as a link).
    pub fn remove_tree(&self, name: &str) -> io::Result<()> {
        let kind = self.stat(name)?.map(|s| FileType::from_raw_mode(s.st_mode));
        if kind.is_some_and(|k| k != FileType::Directory) {
            return self.remove_file(name).map(|_| ());
        }
        if let Some(dir) = self.sub(name, false)? {
            dir.clear()?;
        }
        match self.remove_dir(name) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Removes everything in this folder by its raw name (a name that is not UTF-8 too, which
    /// [`Dir::entries`] can't give back), without following any link.
    fn clear(&self) -> io::Result<()> {
        let mut names = Vec::new();
        let mut dir = rustix::fs::Dir::read_from(self.fd())?;
        while let Some(entry) = dir.read() {
            let entry = entry?;
            let name = entry.file_name();
            if name != c"." && name != c".." {
                names.push((name.to_owned(), entry.file_type()));
            }
        }
        for (name, mut kind) in names {
            let path = self.path.join(std::ffi::OsStr::from_bytes(name.to_bytes()));
            if kind == FileType::Unknown {
                let stat = rustix::fs::statat(self.fd(), &name, AtFlags::SYMLINK_NOFOLLOW);
                kind = stat.map_or(FileType::Unknown, |s| FileType::from_raw_mode(s.st_mode));
            }
            let flags = match kind {
                FileType::Directory => {
                    let fd = rustix::fs::openat(self.fd(), &name, DIR_FLAGS, Mode::empty())
                        .map_err(|e| with_path(e.into(), &path))?;
                    Dir {
                        fd,
                        path: path.clone(),
                    }
                    .clear()?;
                    AtFlags::REMOVEDIR
                }
                _ => AtFlags::empty(),
            };
            match rustix::fs::unlinkat(self.fd(), &name, flags) {
                Ok(()) | Err(rustix::io::Errno::NOENT) => {}
                Err(e) => return Err(with_path(e.into(), &path)),
            }
        }
        Ok(())
    }

    /// The names in this folder (not `.` and `..`) with their kinds. A name that is not UTF-8
    /// (mfile writes none) comes in its lossy form (`\u{fffd}` for each bad byte) as kind
    /// `Unknown`: listings show it as something that is not a regular file, though it can't
    /// be opened by that name.
    pub fn entries(&self) -> io::Result<Vec<(String, FileType)>> {
        let mut dir = rustix::fs::Dir::read_from(self.fd())?;
        let mut out = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry?;
            let name: &CStr = entry.file_name();
            let Ok(name) = name.to_str() else {
                out.push((name.to_string_lossy().into_owned(), FileType::Unknown));
                continue;
            };
            if name == "." || name == ".." {
                continue;
            }
            let mut kind = entry.file_type();
            if kind == FileType::Unknown {
                kind = self
                    .stat(name)?
                    .map_or(FileType::Unknown, |s| FileType::from_raw_mode(s.st_mode));
            }
            out.push((name.to_string(), kind));
        }
        Ok(out)
    }

    /// Makes this folder's entries durable (the renames, links and unlinks in it).
    pub fn sync(&self) -> io::Result<()> {
        rustix::fs::fsync(self.fd()).map_err(|e| with_path(e.into(), &self.path))
    }

    /// Makes everything on this folder's filesystem durable.
    pub fn syncfs(&self) -> io::Result<()> {
        rustix::fs::syncfs(self.fd()).map_err(|e| with_path(e.into(), &self.path))
    }
}

/// A new file in a [`Dir`] under a partial name; removed on drop unless renamed into place.
/// It holds no descriptor, so a batch of thousands stays within the open-file limit.
#[derive(Debug)]
pub struct TempFile {
    dir: Arc<Dir>,
    name: Option<String>,
}

impl TempFile {
    /// Takes charge of the entry `name` in `dir` (a file or folder renamed there).
    pub fn adopt(dir: &Arc<Dir>, name: String) -> Self {
        TempFile {
            dir: Arc::clone(dir),
            name: Some(name),
        }
    }

    /// A new hard link in `dir`, under a partial name of `base`, to the file `from_name` in
    /// `from` (a link there is linked as a link, never followed).
    pub fn hard_link(from: &Dir, from_name: &str, dir: &Arc<Dir>, base: &str) -> io::Result<Self> {
        loop {
            let name = partial::name(base);
            match from.hard_link(from_name, dir, &name) {
                Ok(()) => {
                    return Ok(TempFile {
                        dir: Arc::clone(dir),
                        name: Some(name),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    pub fn dir(&self) -> &Dir {
        &self.dir
    }

    /// Opens it to read it back (a spooled upload).
    pub fn open(&self) -> io::Result<File> {
        self.dir()
            .open_file(self.name())?
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "a temp file vanished"))
    }

    /// Flushes its bytes to disk.
    pub fn sync(&self) -> io::Result<()> {
        let file = self.dir.open_file(self.name())?;
        file.ok_or_else(|| io::ErrorKind::NotFound.into())
            .and_then(|f| f.sync_all())
    }

    /// Renames it to `to_name` in its own folder.
    pub fn persist_beside(self, to_name: &str, replace: bool) -> io::Result<()> {
        let dir = Arc::clone(&self.dir);
        self.persist(&dir, to_name, replace)
    }

    /// Renames it to `to_name` in `to` (see [`Dir::rename`]); on failure it is still removed.
    pub fn persist(mut self, to: &Dir, to_name: &str, replace: bool) -> io::Result<()> {
        let name = self.name.take().unwrap_or_default();
        let result = self.dir.rename(&name, to, to_name, replace);
        if result.is_err() {
            let _ = self.dir.remove_file(&name);
        }
        result
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            let _ = self.dir.remove_tree(&name);
        }
    }
}

/// Adds the path to an OS error, keeping its kind (NotFound, StorageFull, ...).
fn with_path(err: io::Error, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::io::Write;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_below_the_root_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let (root, outside) = (dir.path().join("root"), dir.path().join("outside"));
        fs::create_dir_all(root.join("a")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("secret"), "private").unwrap();
        symlink(&outside, root.join("a/link")).unwrap();
        symlink(outside.join("secret"), root.join("a/file-link")).unwrap();
        let top = Dir::open(&root).unwrap();

        for walk in [false, true] {
            // Both ways: one openat2, and one component at a time where there is no openat2.
            let sub = |rel: &str, create| match walk {
                true => top.walk(rel, create),
                false => top.sub(rel, create),
            };
            let err = sub("a/link", false).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
            assert!(sub("a/link/new", true).is_err());
            assert!(sub("a/file-link", false).is_err());
            assert!(sub("a/missing", false).unwrap().is_none());
        }
        assert!(
            !outside.join("new").exists(),
            "nothing made through the link"
        );
        let a = top.sub("a", false).unwrap().unwrap();
        assert!(a.open_file("file-link").is_err());
        assert!(a.remove_file("file-link").unwrap(), "the link itself goes");
        assert_eq!(
            fs::read_to_string(outside.join("secret")).unwrap(),
            "private"
        );
        top.remove_tree("a").unwrap();
        assert!(
            outside.join("secret").exists(),
            "remove_tree does not follow links"
        );
        assert!(top.sub("a", false).unwrap().is_none());
    }

    #[test]
    fn a_folder_swapped_for_a_link_after_opening_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let victim = dir.path().join("victim");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::create_dir_all(&victim).unwrap();
        let top = Dir::open(&root).unwrap();
        let sub = top.sub("sub", false).unwrap().unwrap();
        fs::rename(root.join("sub"), dir.path().join("moved")).unwrap();
        symlink(&victim, root.join("sub")).unwrap();
        let sub = Arc::new(sub);
        let (temp, mut file) = sub.create_temp("f1.txt", 0o644).unwrap();
        file.write_all(b"pulled").unwrap();
        temp.persist(&sub, "f1.txt", false).unwrap();
        assert!(fs::read_dir(&victim).unwrap().next().is_none());
        assert_eq!(
            fs::read_to_string(dir.path().join("moved/f1.txt")).unwrap(),
            "pulled"
        );
        assert!(
            top.sub("sub", true).is_err(),
            "a fresh open refuses the link"
        );
    }

    #[test]
    fn rename_without_replace_keeps_what_appeared() {
        let dir = tempfile::tempdir().unwrap();
        let top = Arc::new(Dir::open(dir.path()).unwrap());
        fs::write(dir.path().join("f"), "theirs").unwrap();
        let (temp, _) = top.create_temp("f", 0o644).unwrap();
        let err = temp.persist(&top, "f", false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(dir.path().join("f")).unwrap(), "theirs");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the temp is gone"
        );
    }
}
