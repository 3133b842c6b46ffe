//! The application: configuration, database, assets and the running server wired together.
//! `start` is what `boutique serve` and the integration tests both call, so tests exercise
//! exactly the start-up path an owner runs.

use crate::config::{self, Config, ConfigHandle};
use crate::db::{Db, Sync};
use crate::error::{Error, Result};
use crate::http::assets::AssetIndex;
use crate::http::{ServerConfig, ServerHandle};
use crate::jobs::worker::{self, MailWake, WorkerHandle};
use crate::shop::catalog::{Category, Facets};
use crate::web::cache::VersionedMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub struct App {
    pub db: Db,
    pub config: ConfigHandle,
    pub assets: AssetIndex,
    pub data_dir: PathBuf,
    pub cache: crate::web::cache::PageCache,
    pub categories: VersionedMap<(), Vec<Category>>,
    pub facets: VersionedMap<Option<i64>, Facets>,
    /// Every banner start and end time, sorted (see `page_generation`).
    pub banner_times: VersionedMap<(), Vec<i64>>,
    /// Rung after a commit that queued mail, so the outbox worker sends it at once.
    pub mail_wake: Arc<MailWake>,
    /// The server's HMAC key (one-time codes), loaded from the database at start.
    pub hmac: crate::crypto::Hmac,
    /// In-memory rate limits (checkout attempts, proof uploads).
    pub limits: crate::limits::Limiter,
}

impl App {
    pub fn cfg(&self) -> Arc<Config> {
        self.config.get()
    }

    /// Call after committing a `write_tx` that queued mail (`outbox::enqueue_email`).
    pub fn mail_wake(&self) -> &MailWake {
        &self.mail_wake
    }

    /// The category tree with product counts, recomputed only when the catalog changes.
    pub fn categories(&self) -> Result<Arc<Vec<Category>>> {
        self.categories
            .get_or_try(&(), self.db.catalog_version(), || {
                crate::shop::catalog::categories(&*self.db.read()?)
            })
    }

    /// What a cached page is valid for: the catalog version, plus how many banner start
    /// and end times have passed — a scheduled banner appears or leaves at its time even
    /// when nothing in the catalog changed meanwhile.
    pub fn page_generation(&self) -> Result<u64> {
        let version = self.db.catalog_version();
        let times = self.banner_times.get_or_try(&(), version, || {
            crate::shop::catalog::banner_times(&*self.db.read()?)
        })?;
        let now = crate::db::now();
        let passed = times.partition_point(|t| *t <= now) as u64;
        Ok((version << 20) | passed.min((1 << 20) - 1))
    }

    /// Option filters of a listing, recomputed only when the catalog changes.
    pub fn facets(&self, category_id: Option<i64>) -> Result<Arc<Facets>> {
        self.facets
            .get_or_try(&category_id, self.db.catalog_version(), || {
                crate::shop::catalog::facets(&*self.db.read()?, category_id)
            })
    }
}

/// How to start the store.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--config`: must exist when given. Without it, `./store.toml` is used if present,
    /// else the embedded defaults.
    pub config_path: Option<PathBuf>,
    /// `--listen`: overrides `[server] listen`.
    pub listen: Option<String>,
    /// Load the demo catalog into an empty database (false with `--no-demo`).
    pub demo: bool,
    /// Replaces the connection limits and deadlines (tests use short ones).
    pub server: Option<ServerConfig>,
    pub access_log: bool,
    /// How often the mail worker looks for due mail without being woken (default 5 s;
    /// retries become due on their own, so something must look).
    pub mail_tick: Option<Duration>,
}

/// Reads the configuration the way `serve` does. Returns the config and the file it came
/// from (None when running on embedded defaults).
pub fn load_config(
    explicit: Option<&Path>,
) -> std::result::Result<(Config, Option<PathBuf>), String> {
    match explicit {
        Some(p) => Ok((config::load(p)?, Some(p.to_path_buf()))),
        None => {
            let p = PathBuf::from("store.toml");
            if p.exists() {
                Ok((config::load(&p)?, Some(p)))
            } else {
                Ok((Config::default(), None))
            }
        }
    }
}

/// `meta` key: the URL the store was last served from.
pub const SERVED_AT: &str = "served_at";

/// The base of links the CLI prints: the configured public URL, else the address the
/// store was last served from, else the configured listen address.
pub fn link_base(cfg: &Config, db: &Db) -> Result<String> {
    if cfg.store.url != Config::default().store.url {
        return Ok(cfg.store.url.clone());
    }
    Ok(match crate::db::get_meta(&*db.read()?, SERVED_AT)? {
        Some(url) => url,
        None => format!(
            "http://{}",
            cfg.server.listen.replace("0.0.0.0", "127.0.0.1")
        ),
    })
}

pub fn open_db(cfg: &Config) -> Result<Db> {
    let dir = &cfg.server.data_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::internal(format!("create {}: {e}", dir.display())))?;
    Db::open(
        &dir.join("store.db"),
        Sync::parse(&cfg.server.synchronous),
        cfg.server.reader_pool_size,
    )
}

pub struct Running {
    pub app: Arc<App>,
    pub handle: ServerHandle,
    pub url: String,
    mail: WorkerHandle,
    _sweeper: crate::jobs::sweeper::Sweeper,
    _watcher: Option<config::ConfigWatcher>,
    /// Held while serving: `restore` and `migrate` refuse to run under us, and so does a
    /// second `serve` on the same data directory. Dropped last (after the server).
    _lock: crate::ops::DataLock,
}

impl Running {
    /// Stops the server first (so requests in flight can still queue mail), then the
    /// mail worker; whatever it did not send stays queued for the next start.
    pub fn shutdown(self) {
        self.handle.shutdown();
        self.mail.stop();
    }
}

pub fn start(opts: Options) -> std::result::Result<Running, String> {
    let (mut cfg, path) = load_config(opts.config_path.as_deref())?;
    // Before the database is opened (and perhaps migrated): one process per data dir.
    let lock = crate::ops::lock_data_dir(&cfg.server.data_dir).map_err(|f| match f {
        crate::ops::LockFailure::Held { pid } => format!(
            "Another boutique{} is already serving from {}. Stop it first, or give this store its own [server] data_dir.",
            pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
            cfg.server.data_dir.display()
        ),
        crate::ops::LockFailure::Io(e) => e.to_string(),
    })?;
    let db = open_db(&cfg).map_err(|e| e.to_string())?;
    if opts.demo {
        crate::demo::load_if_empty(&db).map_err(|e| e.to_string())?;
    } else {
        crate::demo::mark_initialized(&db).map_err(|e| e.to_string())?;
    }
    let key = db
        .write_tx(crate::shop::accounts::hmac_key)
        .map_err(|e| e.to_string())?;
    let hmac = crate::crypto::Hmac::new(&key);
    let listen = opts
        .listen
        .clone()
        .unwrap_or_else(|| cfg.server.listen.clone());
    let listener =
        TcpListener::bind(&listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if path.is_none() || cfg.store.url == Config::default().store.url {
        // No public URL configured (the demo, or a store.toml without `[store] url`):
        // links and canonical URLs point at the address we really listen on.
        cfg.store.url = format!("http://{addr}");
    }
    // Where the store was last served from, for the CLI's links (`boutique admin add`)
    // when no public URL is configured.
    db.write_tx(|tx| crate::db::set_meta(tx, SERVED_AT, &format!("http://{addr}")))
        .map_err(|e| e.to_string())?;
    let server_cfg = opts.server.clone().unwrap_or_else(|| ServerConfig {
        max_connections: cfg.server.max_connections,
        idle_timeout: Duration::from_secs(cfg.server.idle_timeout_secs),
        head_timeout: Duration::from_secs(cfg.server.head_timeout_secs),
        body_read_timeout: Duration::from_secs(cfg.server.body_timeout_secs),
        access_log: opts.access_log,
        max_connections_per_client: cfg.server.max_connections_per_client,
        trusted_proxies: cfg.server.trusted_proxies.clone(),
        ..ServerConfig::default()
    });
    let handle_cfg = ConfigHandle::new(cfg.clone());
    let app = Arc::new(App {
        db,
        config: handle_cfg.clone(),
        assets: AssetIndex::build(),
        data_dir: cfg.server.data_dir.clone(),
        cache: crate::web::cache::PageCache::new(),
        categories: VersionedMap::default(),
        facets: VersionedMap::default(),
        banner_times: VersionedMap::default(),
        mail_wake: Arc::new(MailWake::default()),
        hmac,
        limits: crate::limits::Limiter::default(),
    });
    let watcher = match &path {
        Some(p) => match config::watch(p.clone(), handle_cfg) {
            Ok(w) => Some(w),
            Err(e) => {
                log::warn!("not watching {} for changes: {e}", p.display());
                None
            }
        },
        None => None,
    };
    let web = Arc::new(crate::web::Web::new(app.clone()));
    let handle = crate::http::serve(listener, web, server_cfg).map_err(|e| e.to_string())?;
    let mail = worker::spawn_worker(
        app.clone(),
        opts.mail_tick.unwrap_or(Duration::from_secs(5)),
    );
    let sweeper = crate::jobs::sweeper::spawn_sweeper(app.clone(), Duration::from_secs(60));
    Ok(Running {
        app,
        handle,
        url: format!("http://{addr}"),
        mail,
        _sweeper: sweeper,
        _watcher: watcher,
        _lock: lock,
    })
}
