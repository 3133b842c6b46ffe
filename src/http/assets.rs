//! Embedded static assets (CSS, JS, icons) with content-hashed URLs. At start-up every file
//! gets a name like `app.3f9a0c1d2e.css`; pages link the hashed name, which is served with a
//! one-year immutable cache, while the plain name stays reachable with `no-cache` + ETag.

use super::types::Resp;
use std::collections::HashMap;

#[derive(rust_embed::Embed)]
#[folder = "assets/"]
struct Files;

struct Entry {
    data: &'static [u8],
    mime: String,
    etag: String,
    hashed: bool,
}

/// The index built once at start: hashed and plain names → bytes.
pub struct AssetIndex {
    by_url: HashMap<String, Entry>,
    hashed_name: HashMap<String, String>,
}

fn leak(data: std::borrow::Cow<'static, [u8]>) -> &'static [u8] {
    match data {
        std::borrow::Cow::Borrowed(b) => b,
        // Debug builds read files from disk; keep them for the life of the process (the
        // index is built once), so responses can borrow without copying.
        std::borrow::Cow::Owned(v) => Box::leak(v.into_boxed_slice()),
    }
}

impl AssetIndex {
    pub fn build() -> AssetIndex {
        let mut by_url = HashMap::new();
        let mut hashed_name = HashMap::new();
        for name in Files::iter() {
            let Some(file) = Files::get(&name) else {
                continue;
            };
            let hash: String = file.metadata.sha256_hash()[..5]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let mime = file.metadata.mimetype().to_string();
            let mime = if mime.starts_with("text/") || mime.contains("javascript") {
                format!("{mime}; charset=utf-8")
            } else {
                mime
            };
            let data = leak(file.data);
            let hashed = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{name}.{hash}"),
            };
            let etag = format!("\"{hash}\"");
            by_url.insert(
                hashed.clone(),
                Entry {
                    data,
                    mime: mime.clone(),
                    etag: etag.clone(),
                    hashed: true,
                },
            );
            by_url.insert(
                name.to_string(),
                Entry {
                    data,
                    mime,
                    etag,
                    hashed: false,
                },
            );
            hashed_name.insert(name.to_string(), hashed);
        }
        AssetIndex {
            by_url,
            hashed_name,
        }
    }

    /// The URL pages should use for an asset (`/assets/app.<hash>.css`).
    pub fn url(&self, name: &str) -> String {
        match self.hashed_name.get(name) {
            Some(h) => format!("/assets/{h}"),
            None => format!("/assets/{name}"),
        }
    }

    /// Serves `/assets/{name}`; None when there is no such file.
    pub fn respond(&self, name: &str, if_none_match: Option<&str>) -> Option<Resp> {
        let e = self.by_url.get(name)?;
        let cache = if e.hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == e.etag)) {
            return Some(
                Resp::new(304)
                    .header("ETag", e.etag.clone())
                    .header("Cache-Control", cache),
            );
        }
        Some(
            Resp::new(200)
                .header("Content-Type", e.mime.clone())
                .header("Cache-Control", cache)
                .header("ETag", e.etag.clone())
                .static_body(e.data),
        )
    }
}
