//! A small cache of rendered public pages. An entry is valid only for the catalog version
//! (bumped by triggers whenever anything the storefront shows changes) and the config
//! snapshot it was rendered with, so a stock change, a product edit or a config reload is
//! visible on the very next request. Only anonymous GETs of public pages are cached; the
//! byte budget keeps RSS low.

use crate::config::Config;
use crate::http::Resp;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const BUDGET_BYTES: usize = 8 * 1024 * 1024;

struct Entry {
    generation: u64,
    /// The config snapshot itself (not its address): holding it keeps the address from
    /// being reused by a later reload, so `Arc::ptr_eq` cannot be fooled.
    config: Arc<Config>,
    resp: Arc<Resp>,
}

pub struct PageCache {
    inner: Mutex<(HashMap<String, Entry>, usize)>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new()
    }
}

impl PageCache {
    pub fn new() -> PageCache {
        PageCache {
            inner: Mutex::new((HashMap::new(), 0)),
        }
    }

    pub fn get(&self, key: &str, generation: u64, config: &Arc<Config>) -> Option<Arc<Resp>> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.0.get(key)?;
        (e.generation == generation && Arc::ptr_eq(&e.config, config)).then(|| e.resp.clone())
    }

    pub fn put(&self, key: String, generation: u64, config: &Arc<Config>, resp: Arc<Resp>) {
        let size = resp.body.as_slice().len() + key.len() + 256;
        if size > BUDGET_BYTES / 16 {
            return;
        }
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (map, used) = &mut *guard;
        // Stale entries are dropped first; if still over budget, start afresh (cheap, and
        // the hot pages are back after one request each).
        if *used + size > BUDGET_BYTES {
            map.retain(|_, e| e.generation == generation && Arc::ptr_eq(&e.config, config));
            *used = map
                .values()
                .map(|e| e.resp.body.as_slice().len() + 256)
                .sum();
            if *used + size > BUDGET_BYTES {
                map.clear();
                *used = 0;
            }
        }
        if let Some(old) = map.insert(
            key,
            Entry {
                generation,
                config: config.clone(),
                resp,
            },
        ) {
            *used = used.saturating_sub(old.resp.body.as_slice().len() + 256);
        }
        *used += size;
    }
}

/// Values computed from the catalog and kept until the catalog version moves (category
/// tree with counts, listing facets). Computing them is a scan; reading them is a lookup.
pub struct VersionedMap<K, V> {
    inner: Mutex<HashMap<K, (u64, Arc<V>)>>,
}

impl<K: std::hash::Hash + Eq + Clone, V> Default for VersionedMap<K, V> {
    fn default() -> Self {
        VersionedMap {
            inner: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V> VersionedMap<K, V> {
    /// The value for `key` at `version`, computing it with `f` when missing or stale. Two
    /// requests racing on a stale entry may both compute; both results are equal.
    pub fn get_or_try<E>(
        &self,
        key: &K,
        version: u64,
        f: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        {
            let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((v, value)) = map.get(key)
                && *v == version
            {
                return Ok(value.clone());
            }
        }
        let value = Arc::new(f()?);
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 1024 {
            map.clear();
        }
        map.insert(key.clone(), (version, value.clone()));
        Ok(value)
    }
}
