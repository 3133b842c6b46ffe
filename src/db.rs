//! The database: one SQLite file in WAL mode, one writer connection that is only reachable
//! through `write_tx` (BEGIN IMMEDIATE, so read→write upgrades never fail with "locked"),
//! and a pool of read-only connections. Schema migrations are `PRAGMA user_version` steps.
//!
//! Group commit: with `synchronous = FULL` every COMMIT waits for an fsync (~0.2 ms on a
//! good disk, far more on a busy one), and with one writer those waits queue up while the
//! CPUs idle. So when other writers are already waiting for the connection, a finished
//! `write_tx` leaves the transaction open for them and sleeps; the last one of the group
//! commits once for all and wakes them. Each `write_tx` still runs in its own SAVEPOINT,
//! so an Err rolls back exactly its own changes; and no `write_tx` returns Ok before the
//! COMMIT that contains it is durable — a caller can never act on a write that a crash
//! could still undo.

use crate::error::{Error, Result};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Migration n (1-based) is `MIGRATIONS[n-1]`; `user_version` records the last applied.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../schema.sql"),
    include_str!("migrations/0002_abuse_limits.sql"),
    include_str!("migrations/0003_line_endings.sql"),
    include_str!("migrations/0004_general_outbox.sql"),
    include_str!("migrations/0005_card_payments.sql"),
    include_str!("migrations/0006_card_checkout.sql"),
    include_str!("migrations/0007_shipments.sql"),
    include_str!("migrations/0008_reviews.sql"),
    include_str!("migrations/0009_wishlist.sql"),
    include_str!("migrations/0010_follow_ups.sql"),
    include_str!("migrations/0011_page_keys.sql"),
    include_str!("migrations/0012_checkout_limits.sql"),
    include_str!("migrations/0013_dashboard_rollups.sql"),
];

pub type Reader = r2d2::PooledConnection<SqliteConnectionManager>;

/// What a `write_tx` closure works on: the writer connection inside an open transaction
/// (its own savepoint of it, see the module doc). Domain functions that must run inside a
/// write transaction take `&Tx`; read-only ones take `&Connection`.
///
/// A newtype only this module can make (its field is private and the only `Tx` is the
/// writer's), so "runs inside the write transaction" is checked by the compiler: a
/// function taking `&Tx` cannot be handed a pooled read connection:
///
/// ```compile_fail
/// let c = rusqlite::Connection::open_in_memory().unwrap();
/// let tx = boutique::db::Tx { conn: c }; // private fields: only `write_tx` hands out a Tx
/// ```
///
/// A Tx also carries what happened in it: domain functions [`record`](Tx::record) events
/// (an order was placed, stock fell below its threshold...) instead of reacting to them,
/// and the service that opened the transaction [`take`](Tx::take)s them and reacts (the
/// mails) before it commits. An event nobody took fails the write (see `write_tx`), so a
/// reaction cannot be forgotten silently. The events are kept type-erased so this module
/// names nothing of the domain.
pub struct Tx {
    conn: Connection,
    events: std::cell::RefCell<Vec<Box<dyn std::any::Any + Send>>>,
}

impl std::ops::Deref for Tx {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl Tx {
    fn new(conn: Connection) -> Tx {
        Tx {
            conn,
            events: Default::default(),
        }
    }

    /// Records that something happened in this transaction, for its opener to act on.
    pub fn record<E: std::any::Any + Send>(&self, event: E) {
        self.events.borrow_mut().push(Box::new(event));
    }

    /// Takes every recorded event of type `E`, in the order recorded (others stay).
    pub fn take<E: std::any::Any + Send>(&self) -> Vec<E> {
        let mut all = self.events.borrow_mut();
        let mut out = Vec::new();
        let mut rest = Vec::with_capacity(all.len());
        for e in all.drain(..) {
            match e.downcast::<E>() {
                Ok(mine) => out.push(*mine),
                Err(other) => rest.push(other),
            }
        }
        *all = rest;
        out
    }
}

/// A group never grows past this many transactions or this age before it commits, so one
/// burst cannot hold early writers back for long.
const GROUP_MAX: usize = 64;
const GROUP_MAX_AGE: Duration = Duration::from_millis(20);
/// `product_changes` rows read into memory before a write prunes them.
const PRUNE_EVERY: u64 = 4096;

struct Writer {
    conn: Tx,
    /// The group whose transaction is open, if any.
    open: Option<u64>,
    last_group: u64,
    members: usize,
    started: Instant,
}

/// How groups ended, for the members waiting on them.
#[derive(Default)]
struct Outcomes {
    /// Every group up to this one has ended.
    ended: u64,
    /// Groups whose COMMIT failed (most recent last; short).
    failed: Vec<(u64, String)>,
}

pub struct Db {
    path: PathBuf,
    writer: Mutex<Writer>,
    /// Threads between "I want to write" and holding the writer.
    waiting: AtomicUsize,
    /// `write_tx` calls so far (with `generation`, the number of COMMITs, this tells how
    /// well writes group).
    transactions: AtomicU64,
    outcomes: Mutex<Outcomes>,
    ended: Condvar,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Bumped after every committed write.
    generation: AtomicU64,
    /// Mirror of the `catalog_version` row, refreshed after every commit: caches of
    /// rendered pages and catalog reads key on it.
    catalog_version: AtomicU64,
    /// The last `product_changes.seq` read into `product_versions` (after each COMMIT).
    product_seq: AtomicU64,
    /// Per product: the `seq` of its last change (absent: unchanged since start). A page
    /// of product P rendered when `product_seq` was S is fresh while P's entry is <= S.
    product_versions: std::sync::RwLock<std::collections::HashMap<i64, u64>>,
    /// The `seq` up to which `product_changes` was pruned.
    pruned_seq: AtomicU64,
    /// Write health for /healthz: when a write last failed for a database reason (disk
    /// full, I/O error, read-only file, lock timeout), in unix seconds (0 = never), and
    /// how many such failures since start. Business refusals do not count.
    write_failed_at: AtomicI64,
    write_failures: AtomicU64,
}

/// What /healthz reports about the writer.
#[derive(Debug, Clone, Copy)]
pub struct WriteHealth {
    pub last_failure_at: Option<i64>,
    pub failures: u64,
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
            writer: Mutex::new(Writer {
                conn: Tx::new(writer),
                open: None,
                last_group: 0,
                members: 0,
                started: Instant::now(),
            }),
            waiting: AtomicUsize::new(0),
            transactions: AtomicU64::new(0),
            outcomes: Mutex::new(Outcomes::default()),
            ended: Condvar::new(),
            readers,
            generation: AtomicU64::new(1),
            catalog_version: AtomicU64::new(0),
            product_seq: AtomicU64::new(0),
            product_versions: std::sync::RwLock::new(std::collections::HashMap::new()),
            pruned_seq: AtomicU64::new(0),
            write_failed_at: AtomicI64::new(0),
            write_failures: AtomicU64::new(0),
        };
        db.refresh_catalog_version()?;
        Ok(db)
    }

    /// Changes whenever something the storefront shows changed (see schema.sql).
    pub fn catalog_version(&self) -> u64 {
        self.catalog_version.load(Ordering::Acquire)
    }

    fn refresh_catalog_version(&self) -> Result<()> {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let v: i64 = w.conn.query_row(sql::CATALOG_VERSION, [], |r| r.get(0))?;
        self.catalog_version.store(v as u64, Ordering::Release);
        // Changes from before this start are in no cached page (the cache starts empty).
        let seq: i64 = w
            .conn
            .query_row(sql::LAST_PRODUCT_CHANGE, [], |r| r.get(0))?;
        self.product_seq.store(seq as u64, Ordering::Release);
        self.pruned_seq.store(seq as u64, Ordering::Release);
        Ok(())
    }

    /// The per-product change sequence read so far: take it *before* rendering a page,
    /// and the page is fresh while [`Db::product_version`] of its product is <= it.
    pub fn product_seq(&self) -> u64 {
        self.product_seq.load(Ordering::Acquire)
    }

    /// The sequence number of the last change to `product_id` (0: none since start).
    pub fn product_version(&self, product_id: i64) -> u64 {
        self.product_versions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&product_id)
            .copied()
            .unwrap_or(0)
    }

    /// After a COMMIT (the caller holds the writer): the product changes it appended go
    /// into memory. Publishing the versions before the sequence keeps a page rendered in
    /// between from being taken as fresh.
    fn apply_product_changes(&self, conn: &Connection) {
        let since = self.product_seq.load(Ordering::Acquire) as i64;
        let Ok(mut st) = conn.prepare_cached(sql::PRODUCT_CHANGES_SINCE) else {
            return;
        };
        let Ok(rows) = st.query_map([since], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        else {
            return;
        };
        let rows: Vec<(i64, i64)> = rows.filter_map(|r| r.ok()).collect();
        let Some(&(last, _)) = rows.last() else {
            return;
        };
        {
            let mut map = self
                .product_versions
                .write()
                .unwrap_or_else(|p| p.into_inner());
            for (seq, product) in rows {
                map.insert(product, seq as u64);
            }
        }
        self.product_seq.store(last as u64, Ordering::Release);
    }

    /// How many `write_tx` calls were made (each is one savepoint; several may share a
    /// COMMIT, see `generation`).
    pub fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }

    /// Changes whenever a write transaction commits.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn write_health(&self) -> WriteHealth {
        let at = self.write_failed_at.load(Ordering::Acquire);
        WriteHealth {
            last_failure_at: (at > 0).then_some(at),
            failures: self.write_failures.load(Ordering::Relaxed),
        }
    }

    fn note_write_failure(&self) {
        self.write_failures.fetch_add(1, Ordering::Relaxed);
        self.write_failed_at.store(now(), Ordering::Release);
    }

    /// Test-only door: caps the writer connection's database size at its current page
    /// count (`Some`) or lifts the cap (`None`), so a test can make real writes fail with
    /// SQLITE_FULL exactly as a full disk does, without root or a tiny filesystem.
    #[doc(hidden)]
    pub fn limit_writer_pages_for_tests(&self, limit: bool) -> Result<i64> {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        // SQLite never sets the cap below the current size, so 1 means "as it is now".
        let n: i64 = if limit { 1 } else { 4_294_967_294 };
        Ok(w.conn
            .query_row(&format!("PRAGMA max_page_count = {n}"), [], |r| r.get(0))?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection from the pool.
    pub fn read(&self) -> Result<Reader> {
        Ok(self.readers.get()?)
    }

    /// Runs `f` in a BEGIN IMMEDIATE transaction on the single writer connection (in its
    /// own savepoint, possibly sharing the COMMIT with concurrent writers) and returns once
    /// that COMMIT is durable. Any Err from `f` rolls back everything `f` did and nothing
    /// else. Never call the network from inside `f` (house rule 4).
    pub fn write_tx<T>(&self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        if w.open.is_none() {
            if let Err(e) = w.conn.execute_batch("BEGIN IMMEDIATE") {
                self.note_write_failure();
                return Err(e.into());
            }
            w.last_group += 1;
            w.open = Some(w.last_group);
            w.members = 0;
            w.started = Instant::now();
            // Rows already in memory go, in this group's transaction; the newest stays
            // so that new rows keep counting up.
            let seen = self.product_seq.load(Ordering::Acquire);
            if seen >= self.pruned_seq.load(Ordering::Acquire) + PRUNE_EVERY
                && w.conn
                    .execute(sql::PRUNE_PRODUCT_CHANGES, [seen as i64])
                    .is_ok()
            {
                self.pruned_seq.store(seen, Ordering::Release);
            }
        }
        let group = w.last_group;
        w.members += 1;
        let out = match w.conn.execute_batch("SAVEPOINT write_tx") {
            Err(e) => {
                self.note_write_failure();
                Err(e.into())
            }
            Ok(()) => {
                w.conn.events.borrow_mut().clear();
                let mut run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&w.conn)));
                // Events belong to this member's part only; one left over means the code
                // that opened the transaction did not react to it (a lost mail): refuse.
                let left = std::mem::take(&mut *w.conn.events.borrow_mut()).len();
                if left > 0 && matches!(run, Ok(Ok(_))) {
                    run = Ok(Err(Error::internal(format!(
                        "{left} recorded event(s) were not taken by the transaction's caller"
                    ))));
                }
                // Storage failures come back as 500 or (busy, full: error.rs) 503.
                if matches!(&run, Ok(Err(e)) if matches!(e.kind, crate::error::Kind::Internal | crate::error::Kind::Unavailable))
                    && storage_error(&w.conn)
                {
                    self.note_write_failure();
                }
                let finish = match &run {
                    Ok(Ok(_)) => w.conn.execute_batch("RELEASE write_tx"),
                    // Statement errors leave the transaction open: undo just this part.
                    _ if !w.conn.is_autocommit() => w
                        .conn
                        .execute_batch("ROLLBACK TO write_tx; RELEASE write_tx"),
                    _ => Ok(()),
                };
                match run {
                    Ok(r) => r.and_then(|v| finish.map(|_| v).map_err(Error::from)),
                    Err(panic) => {
                        let _ = self.end_group(&mut w, group);
                        drop(w);
                        std::panic::resume_unwind(panic);
                    }
                }
            }
        };
        if w.conn.is_autocommit() {
            self.note_write_failure();
            // SQLite rolled the whole transaction back (I/O error, disk full): the group
            // is lost; every member hears so.
            w.open = None;
            self.record(
                group,
                Some("the transaction was rolled back by the database".into()),
            );
            return Err(out.err().unwrap_or_else(|| {
                Error::internal("the write transaction was rolled back by the database")
            }));
        }
        let others_coming = self.waiting.load(Ordering::SeqCst) > 0;
        if others_coming && w.members < GROUP_MAX && w.started.elapsed() < GROUP_MAX_AGE {
            // Leave the transaction open for the writers queued behind us.
            drop(w);
            let out = out?;
            self.wait_for(group)?;
            return Ok(out);
        }
        let committed = self.end_group(&mut w, group);
        drop(w);
        let out = out?;
        committed?;
        Ok(out)
    }

    /// Commits the open group (the caller holds the writer), records and announces the
    /// outcome. Returns the COMMIT's result.
    fn end_group(&self, w: &mut Writer, group: u64) -> Result<()> {
        if w.open != Some(group) {
            return Ok(());
        }
        let result = w.conn.execute_batch("COMMIT");
        if result.is_err() {
            self.note_write_failure();
        }
        if result.is_err() && !w.conn.is_autocommit() {
            let _ = w.conn.execute_batch("ROLLBACK");
        }
        w.open = None;
        if result.is_ok() {
            self.generation.fetch_add(1, Ordering::Release);
            if let Ok(v) = w
                .conn
                .query_row(sql::CATALOG_VERSION, [], |r| r.get::<_, i64>(0))
            {
                self.catalog_version.store(v as u64, Ordering::Release);
            }
            self.apply_product_changes(&w.conn);
        }
        self.record(group, result.as_ref().err().map(|e| e.to_string()));
        result.map_err(Error::from)
    }

    fn record(&self, group: u64, failure: Option<String>) {
        let mut o = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        o.ended = o.ended.max(group);
        if let Some(f) = failure {
            o.failed.push((group, f));
            let n = o.failed.len();
            if n > 64 {
                o.failed.drain(..n - 64);
            }
        }
        self.ended.notify_all();
    }

    /// Waits until `group` has ended; Err if its COMMIT failed. Should the writer that was
    /// to commit never come (it cannot, but a hang would be the worst outcome), the
    /// waiter commits the group itself after a while.
    fn wait_for(&self, group: u64) -> Result<()> {
        let mut o = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if o.ended >= group {
                return match o.failed.iter().find(|(g, _)| *g == group) {
                    Some((_, e)) => Err(Error::internal(format!("group commit failed: {e}"))),
                    None => Ok(()),
                };
            }
            let (next, timeout) = self
                .ended
                .wait_timeout(o, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner());
            o = next;
            if timeout.timed_out() && o.ended < group {
                drop(o);
                if let Ok(mut w) = self.writer.try_lock()
                    && w.open == Some(group)
                    && self.waiting.load(Ordering::SeqCst) == 0
                {
                    let _ = self.end_group(&mut w, group);
                }
                o = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
            }
        }
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

/// True when the connection's last error is about storage rather than the statement
/// (full disk, I/O, read-only file, corruption, lock timeout): the writer is unhealthy.
/// Our `Error` keeps only the message of a SQLite error, so the code is read back from
/// the connection, where it stays until the next call.
fn storage_error(c: &Connection) -> bool {
    // SAFETY: the handle belongs to `c`, borrowed for the call; errcode only reads it.
    let code = unsafe { rusqlite::ffi::sqlite3_errcode(c.handle()) } & 0xff;
    use rusqlite::ffi as f;
    [
        f::SQLITE_FULL,
        f::SQLITE_IOERR,
        f::SQLITE_READONLY,
        f::SQLITE_CORRUPT,
        f::SQLITE_NOTADB,
        f::SQLITE_CANTOPEN,
        f::SQLITE_BUSY,
        f::SQLITE_NOMEM,
    ]
    .contains(&code)
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

/// A value of the `meta` table (the store's own small facts: keys, versions, dates).
pub fn get_meta(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(c.prepare_cached(sql::META)?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Sets a value of the `meta` table.
pub fn set_meta(tx: &Tx, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(sql::SET_META)?.execute([key, value])?;
    Ok(())
}

// Every `mod sql` of the crate with its `ALL`, keyed by source file: generated by build.rs
// from the sources (`SQL_MODULES`), for the test that prepares each statement.
include!(concat!(env!("OUT_DIR"), "/sql_modules.rs"));

pub mod sql {
    //! SQL of the database layer itself.
    pub const CATALOG_VERSION: &str = "SELECT version FROM catalog_version WHERE id = 1";
    pub const LAST_PRODUCT_CHANGE: &str = "SELECT coalesce(max(seq), 0) FROM product_changes";
    pub const PRODUCT_CHANGES_SINCE: &str =
        "SELECT seq, product_id FROM product_changes WHERE seq > ?1 ORDER BY seq";
    pub const PRUNE_PRODUCT_CHANGES: &str = "DELETE FROM product_changes WHERE seq < ?1";
    pub const META: &str = "SELECT value FROM meta WHERE key = ?1";
    pub const SET_META: &str = "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    pub const ALL: &[&str] = &[
        CATALOG_VERSION,
        LAST_PRODUCT_CHANGE,
        PRODUCT_CHANGES_SINCE,
        PRUNE_PRODUCT_CHANGES,
        META,
        SET_META,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(db: &Db, prefix: &str) -> i64 {
        db.read()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM meta WHERE key LIKE ?1",
                [format!("{prefix}%")],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Many threads writing at once: every Ok write is there, every Err write left
    /// nothing (only its own savepoint was undone, not its group), and writes share
    /// commits (fewer COMMITs than transactions).
    #[test]
    fn group_commit_keeps_each_write_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("g.db"), Sync::Full, 2).unwrap();
        let before = db.generation();
        std::thread::scope(|s| {
            for t in 0..16 {
                let db = &db;
                s.spawn(move || {
                    for i in 0..40 {
                        let r = db.write_tx(|tx| {
                            tx.execute(
                                "INSERT INTO meta (key, value) VALUES (?1, 'x')",
                                [format!("k{t}-{i}")],
                            )?;
                            if i % 5 == 0 {
                                return Err(Error::bad_request("refused after writing"));
                            }
                            Ok(())
                        });
                        assert_eq!(r.is_ok(), i % 5 != 0);
                        if r.is_ok() {
                            // Durable and visible to readers as soon as write_tx returns.
                            let seen: i64 = db
                                .read()
                                .unwrap()
                                .query_row(
                                    "SELECT count(*) FROM meta WHERE key = ?1",
                                    [format!("k{t}-{i}")],
                                    |r| r.get(0),
                                )
                                .unwrap();
                            assert_eq!(seen, 1);
                        }
                    }
                });
            }
        });
        assert_eq!(count(&db, "k"), 16 * 32);
        let commits = db.generation() - before;
        assert!(commits <= 16 * 32, "{commits} commits");
    }

    /// A write that panics undoes its own part and does not strand the others.
    #[test]
    fn a_panicking_write_does_not_block_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.db"), Sync::Normal, 2).unwrap();
        std::thread::scope(|s| {
            for t in 0..8 {
                let db = &db;
                s.spawn(move || {
                    for i in 0..20 {
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            db.write_tx(|tx| {
                                tx.execute(
                                    "INSERT INTO meta (key, value) VALUES (?1, 'x')",
                                    [format!("p{t}-{i}")],
                                )?;
                                if i == 7 {
                                    panic!("handler bug");
                                }
                                Ok(())
                            })
                        }));
                        assert_eq!(r.is_ok(), i != 7);
                    }
                });
            }
        });
        assert_eq!(count(&db, "p"), 8 * 19);
        db.write_tx(|tx| {
            tx.execute("INSERT INTO meta (key, value) VALUES ('after', 'x')", [])?;
            Ok(())
        })
        .unwrap();
        assert_eq!(count(&db, "after"), 1);
    }
}
