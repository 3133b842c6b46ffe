//! A small cache of rendered public pages, keyed by what each page shows. Every entry
//! holds the global catalog version (bumped by triggers when a listing or the frame
//! changes: categories, banners, a product's card, facets, search text) and the config
//! snapshot it was rendered with; a product's own page (and its API document) also holds
//! the per-product change sequence read before it was rendered, and is stale as soon as
//! that product changed after it (`Db::product_version`). So a sale of variant V empties
//! only V's product pages, an edit of P's card also the listings, a banner or a reload
//! everything — each visible on the very next request. While one request re-renders a
//! product page made stale by a sale, the others arriving meanwhile get the page as it
//! was a moment before (`X-Cache: stale`) rather than queueing behind the render: the
//! checkout, not the page, decides what is in stock. Pages carry nothing per visitor
//! (the bag count is a cookie the script reads, form tokens come from /cart/token), so
//! signed-in shoppers are served from the same entries. The byte budget keeps RSS low.

use crate::config::Config;
use crate::http::Resp;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const BUDGET_BYTES: usize = 8 * 1024 * 1024;

struct Entry {
    generation: u64,
    /// `Db::product_seq` before rendering, and the product the page shows (if one).
    seq: u64,
    product: Option<i64>,
    /// The config snapshot itself (not its address): holding it keeps the address from
    /// being reused by a later reload, so `Arc::ptr_eq` cannot be fooled.
    config: Arc<Config>,
    resp: Arc<Resp>,
}

pub struct PageCache {
    inner: Mutex<(HashMap<String, Entry>, usize)>,
    /// One render at a time per page (striped by key): when a sale makes a hot page stale,
    /// the requests that arrive meanwhile wait for that one render instead of all
    /// rendering it at once.
    rendering: Vec<Mutex<()>>,
}

/// Stripes of `PageCache::rendering`: more than the cores, so distinct pages still
/// render side by side.
const RENDER_STRIPES: usize = 64;

impl Default for PageCache {
    fn default() -> Self {
        Self::new()
    }
}

impl PageCache {
    pub fn new() -> PageCache {
        PageCache {
            inner: Mutex::new((HashMap::new(), 0)),
            rendering: (0..RENDER_STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }

    /// Held while `key` is rendered after a miss; whoever waited on it looks in the cache
    /// again before rendering (a fresh entry may be there now).
    pub fn render_lock(&self, key: &str) -> std::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        self.rendering[h.finish() as usize % RENDER_STRIPES]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The render lock of `key` if nobody holds it (or its stripe) now.
    pub fn try_render_lock(&self, key: &str) -> Option<std::sync::MutexGuard<'_, ()>> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        match self.rendering[h.finish() as usize % RENDER_STRIPES].try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// The entry for `key` if only its product changed since (same catalog version and
    /// config): what a product page showed a moment ago, served while another request
    /// renders it anew (never for a change of the frame, a listing or the config).
    pub fn get_stale(&self, key: &str, generation: u64, config: &Arc<Config>) -> Option<Arc<Resp>> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.0.get(key)?;
        (e.generation == generation && Arc::ptr_eq(&e.config, config)).then(|| e.resp.clone())
    }

    /// The entry for `key` if it is still what the page would show.
    pub fn get(
        &self,
        key: &str,
        generation: u64,
        config: &Arc<Config>,
        db: &crate::db::Db,
    ) -> Option<Arc<Resp>> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.0.get(key)?;
        (e.generation == generation
            && Arc::ptr_eq(&e.config, config)
            && e.product.is_none_or(|p| db.product_version(p) <= e.seq))
        .then(|| e.resp.clone())
    }

    /// Keeps `resp` for `key`: rendered at `generation`, with `seq` read before rendering,
    /// showing `product` (None: a listing or the frame only).
    pub fn put(
        &self,
        key: String,
        (generation, seq, product): (u64, u64, Option<i64>),
        config: &Arc<Config>,
        resp: Arc<Resp>,
    ) {
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
                seq,
                product,
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
