//! Durable files: `write_atomic` (temp → fsync → rename → fsync of the directory, so a reader
//! or a crash never sees half a file), its unsynced variant for batch writers, and the
//! filesystem-wide flush they make durable with. Used by proof uploads, the file mailer
//! and restore; nothing else here.

use crate::error::Result;
use std::io::Write;
use std::path::Path;

/// temp → fsync → rename, under a name we chose (house rule 8).
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp-write");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(d) = path.parent() {
        sync_dir(d);
    }
    Ok(())
}

/// `write_atomic` without any fsync, for a writer of many files that makes them durable
/// together afterwards with [`sync_filesystem`] (the mail worker's batch): the rename still
/// means a reader never sees half a file.
pub fn write_atomic_unsynced(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp-write");
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// One flush of the whole filesystem holding `dir` (Linux `syncfs`): the data, the names
/// and the directory entries of every file written before it. Much cheaper than one fsync
/// per file when a batch writes many small files.
pub fn sync_filesystem(dir: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let d = std::fs::File::open(dir)?;
    // SAFETY: syncfs only reads the descriptor, which stays open for the call.
    if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(())
}

/// fsync of a directory, so a rename or a new entry in it survives a power cut; best
/// effort (some filesystems refuse to open a directory for syncing).
pub fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}
