//! Operations an owner runs from a shell: `check` (integrity, foreign keys, stock ledger
//! balance, proof files), `backup` (one self-contained file taken while the store serves and
//! writes) and `restore` (refuses to overwrite unless forced, and first reports what the
//! current store has that the backup lacks).
//!
//! A backup is itself a SQLite database: a `VACUUM INTO` snapshot plus a table
//! `backup_files` holding every file under `data/proofs/`, so there is exactly one file to
//! copy off the server, and it can be opened with any SQLite tool.

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, params};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs every check and returns the problems found (empty = healthy).
pub fn check(db_path: &Path, data_dir: &Path) -> Result<Vec<String>> {
    let c = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::internal(format!("open {}: {e}", db_path.display())))?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut problems = Vec::new();
    let integrity: Vec<String> = c
        .prepare(sql::INTEGRITY)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if integrity != ["ok"] {
        for line in integrity.into_iter().take(20) {
            problems.push(format!("integrity: {line}"));
        }
    }
    let fk: Vec<(String, i64, String)> = c
        .prepare(sql::FOREIGN_KEYS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (table, rowid, parent) in fk.into_iter().take(20) {
        problems.push(format!(
            "foreign key: {table} row {rowid} points to a missing {parent}"
        ));
    }
    for (sku, stock, sum) in super::catalog::ledger_mismatches(&c)? {
        problems.push(format!(
            "stock ledger: {sku} has stock {stock} but its ledger adds up to {sum}"
        ));
    }
    // Proof files referenced by orders arrive with the checkout issue; until the table
    // exists there is nothing to look for.
    let has_proofs: bool = c.query_row(sql::HAS_PROOFS_TABLE, [], |r| r.get(0))?;
    if has_proofs {
        let names: Vec<String> = c
            .prepare(sql::PROOF_FILES)?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for n in names {
            if !data_dir.join("proofs").join(&n).is_file() {
                problems.push(format!("payment proof file missing: proofs/{n}"));
            }
        }
    }
    Ok(problems)
}

/// Files under `data_dir/proofs`, as (relative name, full path), sorted.
fn proof_files(data_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let dir = data_dir.join("proofs");
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.is_file()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
            && !name.starts_with('.')
        {
            out.push((name.to_string(), path));
        }
    }
    out.sort();
    Ok(out)
}

/// Writes one backup file. Works while a server is running on the same database: the
/// snapshot is one read transaction, so writers carry on.
pub fn backup(db_path: &Path, data_dir: &Path, target: &Path) -> Result<BackupSummary> {
    if target.exists() {
        return Err(Error::bad_request(format!(
            "{} already exists; choose a new file name",
            target.display()
        )));
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.partial",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("backup")
    ));
    let _ = std::fs::remove_file(&tmp);
    let src = Connection::open(db_path)?;
    src.busy_timeout(std::time::Duration::from_secs(10))?;
    let tmp_str = tmp
        .to_str()
        .ok_or_else(|| Error::bad_request("backup path must be valid UTF-8"))?;
    src.execute(sql::VACUUM_INTO, [tmp_str])?;
    drop(src);
    let mut files = 0;
    let mut bytes = 0u64;
    {
        let mut b = Connection::open(&tmp)?;
        let tx = b.transaction()?;
        tx.execute_batch(sql::CREATE_BACKUP_FILES)?;
        for (name, path) in proof_files(data_dir)? {
            let data = std::fs::read(&path)?;
            bytes += data.len() as u64;
            files += 1;
            tx.execute(
                sql::INSERT_BACKUP_FILE,
                params![format!("proofs/{name}"), data],
            )?;
        }
        tx.execute(
            sql::INSERT_BACKUP_META,
            params!["backup_taken_at", crate::db::now().to_string()],
        )?;
        tx.commit()?;
    }
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, target)?;
    sync_dir(dir);
    let size = std::fs::metadata(target)?.len();
    Ok(BackupSummary {
        files,
        file_bytes: bytes,
        size,
    })
}

pub struct BackupSummary {
    pub files: usize,
    pub file_bytes: u64,
    pub size: u64,
}

/// Per table: rows present in the current store but not in the backup.
pub fn newer_than_backup(db_path: &Path, backup: &Path) -> Result<Vec<(String, i64)>> {
    if !db_path.exists() {
        return Ok(Vec::new());
    }
    let c = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let b = backup
        .to_str()
        .ok_or_else(|| Error::bad_request("backup path must be valid UTF-8"))?;
    c.execute("ATTACH DATABASE ?1 AS bak", [b])?;
    let tables: Vec<String> = c
        .prepare(sql::USER_TABLES)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for t in tables {
        let in_backup: bool = c.query_row(sql::BACKUP_HAS_TABLE, [&t], |r| r.get(0))?;
        // Table names come from sqlite_schema, not from user input; quote them anyway.
        let q = if in_backup {
            // Rows the backup lacks (or holds differently); EXCEPT also works for
            // WITHOUT ROWID tables such as cart_lines.
            format!(
                "SELECT count(*) FROM (SELECT * FROM main.\"{t}\" EXCEPT SELECT * FROM bak.\"{t}\")"
            )
        } else {
            format!("SELECT count(*) FROM main.\"{t}\"")
        };
        let n: i64 = c.query_row(&q, [], |r| r.get(0))?;
        if n > 0 {
            out.push((t, n));
        }
    }
    Ok(out)
}

/// Brings a backup back: the database replaces `db_path` (its WAL files removed) and the
/// proof files are written back under `data_dir`. The store must be stopped first.
pub fn restore(backup: &Path, db_path: &Path, data_dir: &Path) -> Result<usize> {
    let b = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::bad_request(format!("cannot open {}: {e}", backup.display())))?;
    let ok: String = b
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|_| {
            Error::bad_request(format!("{} is not a boutique backup", backup.display()))
        })?;
    let has_files: bool = b
        .query_row(sql::HAS_BACKUP_FILES, [], |r| r.get(0))
        .unwrap_or(false);
    if ok != "ok" || !has_files {
        return Err(Error::bad_request(format!(
            "{} is not a complete boutique backup",
            backup.display()
        )));
    }
    std::fs::create_dir_all(data_dir.join("proofs"))?;
    let mut restored = 0;
    let mut st = b.prepare(sql::SELECT_BACKUP_FILES)?;
    let mut rows = st.query([])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let data: Vec<u8> = row.get(1)?;
        let Some(rel) = name.strip_prefix("proofs/").filter(|n| {
            !n.is_empty() && !n.contains('/') && !n.contains('\\') && !n.starts_with('.')
        }) else {
            continue;
        };
        write_atomic(&data_dir.join("proofs").join(rel), &data)?;
        restored += 1;
    }
    drop(rows);
    drop(st);
    drop(b);
    // Copy, strip the file table from the copy, then move it into place.
    let tmp = db_path.with_extension("db.restoring");
    let _ = std::fs::remove_file(&tmp);
    std::fs::copy(backup, &tmp)?;
    {
        let c = Connection::open(&tmp)?;
        c.execute_batch(sql::DROP_BACKUP_TABLES)?;
        c.execute_batch("PRAGMA journal_mode=WAL;")?;
    }
    std::fs::File::open(&tmp)?.sync_all()?;
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(db_path.with_extension(ext));
    }
    std::fs::rename(&tmp, db_path)?;
    if let Some(d) = db_path.parent() {
        sync_dir(d);
    }
    Ok(restored)
}

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

fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

pub mod sql {
    //! SQL of the operations commands (prepared against the schema by a test where it is
    //! not about the backup file's own table).
    pub const INTEGRITY: &str = "PRAGMA integrity_check";
    pub const FOREIGN_KEYS: &str = "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check";
    pub const HAS_PROOFS_TABLE: &str = "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'payment_proofs')";
    pub const PROOF_FILES: &str = "SELECT file FROM payment_proofs";
    pub const VACUUM_INTO: &str = "VACUUM INTO ?1";
    pub const CREATE_BACKUP_FILES: &str = "CREATE TABLE backup_files (name TEXT PRIMARY KEY, data BLOB NOT NULL); CREATE TABLE backup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";
    pub const INSERT_BACKUP_FILE: &str = "INSERT INTO backup_files (name, data) VALUES (?1, ?2)";
    pub const INSERT_BACKUP_META: &str = "INSERT INTO backup_meta (key, value) VALUES (?1, ?2)";
    pub const HAS_BACKUP_FILES: &str = "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'backup_files')";
    pub const SELECT_BACKUP_FILES: &str = "SELECT name, data FROM backup_files ORDER BY name";
    pub const DROP_BACKUP_TABLES: &str = "DROP TABLE backup_files; DROP TABLE backup_meta; VACUUM;";
    pub const USER_TABLES: &str = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'product_search%' ORDER BY name";
    pub const BACKUP_HAS_TABLE: &str =
        "SELECT EXISTS (SELECT 1 FROM bak.sqlite_schema WHERE type = 'table' AND name = ?1)";

    /// Constants that run against the store's own schema.
    pub const ALL: &[&str] = &[
        INTEGRITY,
        FOREIGN_KEYS,
        HAS_PROOFS_TABLE,
        PROOF_FILES,
        USER_TABLES,
    ];
}
