//! The database: one SQLite file in WAL mode, one writer connection that is only reachable
//! through `write_tx` (BEGIN IMMEDIATE, so read→write upgrades never fail with "locked"),
//! and a pool of read-only connections. Schema migrations are `PRAGMA user_version` steps.

use crate::error::{Error, Result};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Migration n (1-based) is `MIGRATIONS[n-1]`; `user_version` records the last applied.
pub const MIGRATIONS: &[&str] = &[include_str!("../schema.sql")];

pub type Reader = r2d2::PooledConnection<SqliteConnectionManager>;

pub struct Db {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Bumped after every committed write.
    generation: AtomicU64,
    /// Mirror of the `catalog_version` row, refreshed after every commit: caches of
    /// rendered pages and catalog reads key on it.
    catalog_version: AtomicU64,
}

/// How hard SQLite syncs: FULL survives a power cut after every commit (the default: an
/// acknowledged order must not vanish); NORMAL may lose the last commits on power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    Full,
    Normal,
}

impl Sync {
    pub fn parse(s: &str) -> Sync {
        if s.eq_ignore_ascii_case("normal") {
            Sync::Normal
        } else {
            Sync::Full
        }
    }
    fn pragma(self) -> &'static str {
        match self {
            Sync::Full => "FULL",
            Sync::Normal => "NORMAL",
        }
    }
}

/// Pragmas every connection gets. busy_timeout comes first so that even the journal_mode
/// switch waits for a concurrent writer instead of failing.
fn setup(c: &Connection, sync: Sync) -> rusqlite::Result<()> {
    c.busy_timeout(Duration::from_secs(5))?;
    c.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={}; PRAGMA foreign_keys=ON;",
        sync.pragma()
    ))?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub fn open(path: &Path, sync: Sync, readers: u32) -> Result<Db> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut writer = Connection::open(path)
            .map_err(|e| Error::internal(format!("open {}: {e}", path.display())))?;
        setup(&writer, sync)?;
        migrate(&mut writer)?;
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(move |c| {
                c.busy_timeout(Duration::from_secs(5))?;
                c.execute_batch("PRAGMA foreign_keys=ON; PRAGMA query_only=ON;")?;
                c.set_prepared_statement_cache_capacity(64);
                Ok(())
            });
        // Connections are checked when made, not on every checkout: a `SELECT 1` per request
        // is measurable at 10k req/s and a local file does not go away.
        let readers = r2d2::Pool::builder()
            .max_size(readers.max(1))
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| Error::internal(format!("reader pool: {e}")))?;
        let db = Db {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers,
            generation: AtomicU64::new(1),
            catalog_version: AtomicU64::new(0),
        };
        db.refresh_catalog_version()?;
        Ok(db)
    }

    /// Changes whenever something the storefront shows changed (see schema.sql).
    pub fn catalog_version(&self) -> u64 {
        self.catalog_version.load(Ordering::Acquire)
    }

    fn refresh_catalog_version(&self) -> Result<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let v: i64 = conn.query_row(sql::CATALOG_VERSION, [], |r| r.get(0))?;
        self.catalog_version.store(v as u64, Ordering::Release);
        Ok(())
    }

    /// Changes whenever a write transaction commits.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection from the pool.
    pub fn read(&self) -> Result<Reader> {
        Ok(self.readers.get()?)
    }

    /// Runs `f` in one BEGIN IMMEDIATE transaction on the single writer connection and
    /// commits when it returns Ok; any Err rolls everything back. Never call the network
    /// from inside `f` (house rule 4).
    pub fn write_tx<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        self.generation.fetch_add(1, Ordering::Release);
        if let Ok(v) = conn.query_row(sql::CATALOG_VERSION, [], |r| r.get::<_, i64>(0)) {
            self.catalog_version.store(v as u64, Ordering::Release);
        }
        Ok(out)
    }

    /// Writes a consistent copy of the database to `target` (must not exist) while the store
    /// keeps serving: VACUUM INTO reads one snapshot, so concurrent writes are not blocked.
    pub fn snapshot_to(&self, target: &Path) -> Result<()> {
        let t = target
            .to_str()
            .ok_or_else(|| Error::bad_request("backup path must be valid UTF-8"))?;
        // Pooled readers are query_only, which forbids VACUUM INTO; use a short-lived
        // connection of its own rather than taking the writer (writes go on meanwhile).
        let c = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        c.busy_timeout(Duration::from_secs(5))?;
        c.execute("VACUUM INTO ?1", [t])?;
        Ok(())
    }
}

/// Applies each missing migration in its own IMMEDIATE transaction together with the
/// `user_version` bump, so a crash leaves either the old or the new schema, never half.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let target = MIGRATIONS.len() as i64;
    if current > target {
        return Err(Error::internal(format!(
            "database schema version {current} is newer than this binary ({target}); upgrade boutique"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)
            .map_err(|e| Error::internal(format!("migration {}: {e}", i + 1)))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(target)
}

/// Opens the database file directly (CLI commands that run without a server).
pub fn open_plain(path: &Path) -> Result<Connection> {
    let c = Connection::open(path)?;
    setup(&c, Sync::Full)?;
    Ok(c)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub mod sql {
    //! SQL of the database layer itself.
    pub const CATALOG_VERSION: &str = "SELECT version FROM catalog_version WHERE id = 1";
    pub const ALL: &[&str] = &[CATALOG_VERSION];
}
