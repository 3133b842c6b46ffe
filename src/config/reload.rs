//! The live config: [`ConfigHandle`] (swapped atomically on reload, read per request),
//! [`reload`] and the file watcher ([`watch`]) that calls it when the owner saves.

use super::*;

/// What the last reload did, for the log and the admin dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReloadStatus {
    /// Unix seconds of the last successful reload (None: never reloaded since start).
    pub last_reload: Option<i64>,
    /// The error of the last reload attempt, cleared by the next successful one.
    pub last_error: Option<String>,
    /// [`RESTART_KEYS`] whose live value differs from the one the server started with.
    pub restart_pending: Vec<&'static str>,
}

/// The live config, swapped atomically on reload. Readers clone the inner `Arc` per
/// request, so a reload never changes a config under a request that is running.
#[derive(Clone)]
pub struct ConfigHandle {
    inner: Arc<RwLock<Arc<Config>>>,
    /// The config passed to [`ConfigHandle::new`]: what the server started with, so a
    /// reload can say which start-up-only keys now differ from what is in force.
    startup: Arc<Config>,
    status: Arc<Mutex<ReloadStatus>>,
}

impl ConfigHandle {
    pub fn new(cfg: Config) -> ConfigHandle {
        let cfg = Arc::new(cfg);
        ConfigHandle {
            inner: Arc::new(RwLock::new(cfg.clone())),
            startup: cfg,
            status: Arc::new(Mutex::new(ReloadStatus::default())),
        }
    }

    pub fn get(&self) -> Arc<Config> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the live config. Does not touch [`ConfigHandle::status`]; [`reload`] does.
    pub fn set(&self, cfg: Config) {
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(cfg);
    }

    /// The config the process started with. Use it for the [`RESTART_KEYS`] (socket,
    /// database, pools): [`ConfigHandle::get`] carries reloaded values for those too, but
    /// they only take effect after a restart.
    pub fn startup(&self) -> Arc<Config> {
        self.startup.clone()
    }

    pub fn status(&self) -> ReloadStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn update_status(&self, f: impl FnOnce(&mut ReloadStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Reads `path` again and, if it is valid, makes it the live config; logs the outcome to
/// stderr and records it in [`ConfigHandle::status`]. On error the last good config stays.
/// Keys in [`RESTART_KEYS`] that differ from the start-up config are logged as needing a
/// restart; their new values are stored anyway, the running server keeps using its
/// start-up values (see [`ConfigHandle::startup`]).
pub fn reload(path: &Path, handle: &ConfigHandle) -> Result<(), String> {
    match load(path) {
        Ok(cfg) => {
            let pending = handle.startup.restart_keys_changed(&cfg);
            crate::logging::set_filter(&cfg.server.log_level);
            handle.set(cfg);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            handle.update_status(|s| {
                s.last_reload = Some(now);
                s.last_error = None;
                s.restart_pending = pending.clone();
            });
            log::info!("config reloaded from {}", path.display());
            for key in pending {
                log::warn!("{key} changed; restart boutique for it to take effect");
            }
            Ok(())
        }
        Err(msg) => {
            log::error!("config reload failed, keeping the last good config: {msg}");
            handle.update_status(|s| s.last_error = Some(msg.clone()));
            Err(msg)
        }
    }
}

/// Keeps the file watch alive; dropping it stops watching.
pub struct ConfigWatcher {
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    path: PathBuf,
}

impl ConfigWatcher {
    /// The config file being watched, as given to [`watch`].
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reloads `path` into `handle` whenever the file changes (see [`reload`]). Several saves
/// within ~200 ms become one reload. Watches the parent directory, because editors replace
/// the file by renaming a temp file over it; events for other files there are ignored, as
/// are reads (`Access`) and attribute-only changes (`touch`, `chmod`), which do not change
/// the content.
pub fn watch(path: PathBuf, handle: ConfigHandle) -> Result<ConfigWatcher, String> {
    let abs = std::path::absolute(&path)
        .map_err(|e| format!("{}: cannot watch the config file: {e}", path.display()))?;
    let (Some(dir), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Err(format!(
            "{}: cannot watch the config file: not a file path",
            path.display()
        ));
    };
    let name = name.to_os_string();
    let target = path.clone();
    let on_events = move |res: DebounceEventResult| match res {
        Ok(events) => {
            let relevant = events.iter().any(|e| {
                !matches!(
                    e.event.kind,
                    EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))
                ) && e.event.paths.iter().any(|p| p.file_name() == Some(&name))
            });
            if relevant {
                // Errors are logged and recorded by `reload` itself.
                let _ = reload(&target, &handle);
            }
        }
        Err(errors) => {
            for e in errors {
                log::warn!("config watcher error: {e}");
            }
        }
    };
    let mut debouncer = new_debouncer(Duration::from_millis(200), None, on_events)
        .map_err(|e| format!("{}: cannot watch the config file: {e}", path.display()))?;
    debouncer
        .watch(dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("{}: cannot watch {}: {e}", path.display(), dir.display()))?;
    Ok(ConfigWatcher {
        _debouncer: debouncer,
        path,
    })
}
