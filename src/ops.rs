//! Operations an owner runs from a shell: `check` (integrity, foreign keys, stock ledger
//! balance, proof files), `backup` (one self-contained file taken while the store serves and
//! writes) and `restore` (refuses to overwrite unless forced, and first reports what the
//! current store has that the backup lacks).
//!
//! A backup is itself a SQLite database: a `VACUUM INTO` snapshot plus a table
//! `backup_files` holding every file under `data/proofs/`, so there is exactly one file to
//! copy off the server, and it can be opened with any SQLite tool.
//!
//! It also owns the data directory's lock (`data/boutique.lock`, holding the pid of its
//! holder): `serve` keeps it for the life of the process, and the commands that replace
//! or rewrite the database offline (`restore`, `migrate`) take it too, so neither can run
//! under a live server. It is a real `flock`, released by the kernel when the holder
//! dies, so a stale file left by a killed server never blocks anything.

use crate::error::{Error, Result};
use crate::files::{sync_dir, write_atomic};
use rusqlite::{Connection, OpenFlags, params};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The data directory's lock, held until dropped. The file is never deleted: unlinking
/// it while another process waits on it would let two holders lock two different files.
pub struct DataLock {
    _file: std::fs::File,
}

/// Why [`lock_data_dir`] did not get the lock.
pub enum LockFailure {
    /// Another process holds it; its pid as written in the file, when readable.
    Held {
        pid: Option<u32>,
    },
    Io(Error),
}

pub const LOCK_FILE: &str = "boutique.lock";

/// Takes the exclusive lock on `data_dir` (created if missing) without waiting, and
/// writes this process's pid into the lock file.
pub fn lock_data_dir(data_dir: &Path) -> std::result::Result<DataLock, LockFailure> {
    use std::io::{Read, Seek};
    use std::os::fd::AsRawFd;
    let io = |what: &str, e: std::io::Error| {
        LockFailure::Io(Error::internal(format!(
            "{what} {}: {e}",
            data_dir.display()
        )))
    };
    std::fs::create_dir_all(data_dir).map_err(|e| io("create", e))?;
    let path = data_dir.join(LOCK_FILE);
    // Not truncated on open: the holder's pid must stay readable for the refusal message.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io("open lock file in", e))?;
    // SAFETY: flock only acts on the descriptor, which `file` keeps open for the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(LockFailure::Held {
                pid: text.trim().parse().ok(),
            });
        }
        return Err(io("lock", err));
    }
    // Ours now (a previous holder, if any, is dead): record who holds it.
    let pid = format!("{}\n", std::process::id());
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(pid.as_bytes()))
        .map_err(|e| io("write lock file in", e))?;
    Ok(DataLock { _file: file })
}

/// The owner-facing refusal when a running store holds `data_dir`; `command` is what
/// they tried (`restore`, `migrate`).
pub fn running_store_message(data_dir: &Path, pid: Option<u32>, command: &str) -> String {
    let who = match pid {
        Some(p) => format!("The store is running (pid {p})"),
        None => "The store is running".to_string(),
    };
    format!(
        "{who} and holds {}. Nothing was changed. Stop it first (for example `systemctl stop boutique`, or Ctrl-C where it runs), then run {command} again.",
        data_dir.display()
    )
}

/// How long a failed database write keeps `/healthz` unhealthy.
pub const WRITE_FAILURE_WINDOW_SECS: i64 = 60;

/// `/healthz`: is the store able to take orders? `ok` false → 503. `lines` is one line
/// per check (database, writer, disk, mail); mail is reported but never makes the store
/// unhealthy (a stuck mail provider must not take the shop out of a load balancer).
pub struct Health {
    pub ok: bool,
    pub problems: Vec<&'static str>,
    pub lines: Vec<String>,
}

pub fn health(db: &crate::db::Db, data_dir: &Path, min_free_mb: u64, now: i64) -> Health {
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let reader = db.read();
    match reader.as_ref().map_err(|e| e.to_string()).and_then(|c| {
        c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
            .map_err(|e| e.to_string())
    }) {
        Ok(_) => lines.push("database: ok".to_string()),
        Err(_) => {
            problems.push("database not answering");
            lines.push("database: FAILING (cannot read)".to_string());
        }
    }
    let w = db.write_health();
    match w.last_failure_at.map(|t| now - t) {
        Some(ago) if ago < WRITE_FAILURE_WINDOW_SECS => {
            problems.push("writes failing");
            lines.push(format!(
                "writer: FAILING (a write failed {ago} s ago; {} failed since start)",
                w.failures
            ));
        }
        _ => lines.push(format!(
            "writer: ok (no failed write in the last {WRITE_FAILURE_WINDOW_SECS} s)"
        )),
    }
    match free_bytes(data_dir) {
        Some(free) => {
            let mb = free / (1024 * 1024);
            if mb < min_free_mb {
                problems.push("low disk space");
                lines.push(format!(
                    "disk: LOW ({mb} MB free, minimum {min_free_mb} MB)"
                ));
            } else {
                lines.push(format!("disk: ok ({mb} MB free, minimum {min_free_mb} MB)"));
            }
        }
        None => {
            problems.push("disk space unknown");
            lines.push("disk: UNKNOWN (cannot read free space)".to_string());
        }
    }
    match reader.ok().map(|c| {
        c.query_row(sql::MAIL_BACKLOG, [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })
    }) {
        Some(Ok((waiting, failed, oldest))) => {
            let age = oldest
                .map(|t| format!(", oldest waiting {} s", (now - t).max(0)))
                .unwrap_or_default();
            lines.push(format!("mail: {waiting} waiting{age}, {failed} failed"));
        }
        _ => lines.push("mail: unknown".to_string()),
    }
    Health {
        ok: problems.is_empty(),
        problems,
        lines,
    }
}

/// Bytes an unprivileged process may still write on the filesystem holding `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes only into `st`; `c` is a valid NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// Runs every check and returns the problems found (empty = healthy).
/// `boutique rebuild wishlist`: recomputes the wishlist projection from its canonical
/// rows in one write (safe while the store serves) and reports what differed.
pub fn rebuild_wishlist(db: &crate::db::Db) -> Result<crate::shop::wishlist::Rebuilt> {
    db.write_tx(crate::shop::wishlist::rebuild)
}

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
    for (sku, stock, sum) in crate::shop::catalog::ledger_mismatches(&c)? {
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
            // WITHOUT ROWID tables such as cart_lines. Compared on the columns both
            // have, so a backup from an older schema (fewer columns) still compares.
            let cols = |schema: &str| -> Result<Vec<String>> {
                Ok(c.prepare(sql::TABLE_COLUMNS)?
                    .query_map([t.as_str(), schema], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?)
            };
            let theirs = cols("bak")?;
            let common: Vec<String> = cols("main")?
                .into_iter()
                .filter(|n| theirs.contains(n))
                .map(|n| format!("\"{}\"", n.replace('"', "\"\"")))
                .collect();
            if common.is_empty() {
                format!("SELECT count(*) FROM main.\"{t}\"")
            } else {
                let list = common.join(", ");
                format!(
                    "SELECT count(*) FROM (SELECT {list} FROM main.\"{t}\" EXCEPT SELECT {list} FROM bak.\"{t}\")"
                )
            }
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

/// Checks that `file` is a boutique backup this binary can restore, and says precisely
/// what it is not otherwise (a bad_request whose public message is the whole story).
pub fn inspect_backup(file: &Path) -> Result<()> {
    use std::io::Read;
    let name = file.display();
    let mut head = [0u8; 16];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::bad_request(format!("cannot read {name}: {e}")))?;
    if n == 0 {
        return Err(Error::bad_request(format!(
            "{name} is empty: it is not a boutique backup (a backup is the one file written by `boutique backup FILE`)."
        )));
    }
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(Error::bad_request(format!(
            "{name} is not a boutique backup: it is not a SQLite database file at all (a backup is the one file written by `boutique backup FILE`)."
        )));
    }
    let damaged = |e: &dyn std::fmt::Display| {
        Error::bad_request(format!(
            "{name} is a SQLite file but cannot be read ({e}): it is damaged or was not copied completely. Copy the backup again from where you keep it."
        ))
    };
    let b = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| damaged(&e))?;
    let version: i64 = b
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| damaged(&e))?;
    let ok: String = b
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| damaged(&e))?;
    if ok != "ok" {
        return Err(damaged(&format!("integrity check: {ok}")));
    }
    let has = |table: &str| -> bool {
        b.query_row(sql::HAS_TABLE, [table], |r| r.get(0))
            .unwrap_or(false)
    };
    if !has("backup_files") {
        return Err(Error::bad_request(if has("variants") && has("orders") {
            format!(
                "{name} is a boutique store database (a copy of store.db), not a backup: restore only takes files written by `boutique backup FILE`."
            )
        } else {
            format!(
                "{name} is a SQLite database but not a boutique backup (it has no backup_files table; a backup is the one file written by `boutique backup FILE`)."
            )
        }));
    }
    let known = crate::db::MIGRATIONS.len() as i64;
    if version > known {
        return Err(Error::bad_request(format!(
            "{name} is a backup from a newer version of boutique (schema version {version}; this boutique knows up to {known}). Upgrade boutique, then run restore again."
        )));
    }
    if version < 1 || !has("meta") {
        return Err(Error::bad_request(format!(
            "{name} is not a complete boutique backup (it has no store schema)."
        )));
    }
    Ok(())
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
    pub const MAIL_BACKLOG: &str = "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')), count(*) FILTER (WHERE status IN ('failed', 'dead')), min(created_at) FILTER (WHERE status IN ('pending', 'sending')) FROM outbox";
    pub const TABLE_COLUMNS: &str = "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid";
    pub const HAS_TABLE: &str =
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)";
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
        MAIL_BACKLOG,
        VACUUM_INTO,
        HAS_BACKUP_FILES,
        TABLE_COLUMNS,
        HAS_TABLE,
    ];
    /// Constants that cannot be prepared alone against the store's schema: they run on a
    /// backup file's own tables (or its attached `bak` schema), or are batches of several
    /// statements.
    pub const NOT_PREPARED: &[&str] = &[
        CREATE_BACKUP_FILES,
        INSERT_BACKUP_FILE,
        INSERT_BACKUP_META,
        SELECT_BACKUP_FILES,
        DROP_BACKUP_TABLES,
        BACKUP_HAS_TABLE,
    ];
}
