//! The log: one line per message on stderr, from our code and from our dependencies alike
//! (everything goes through the `log` facade), as
//! `2026-12-03T13:40:01.123Z INFO boutique::jobs::worker [3f9a0c12be77] message`:
//! UTC time to the millisecond, level, where it came from, the id of the request being
//! served on this thread (`-` outside one; the same id the response carries in
//! `X-Request-Id` and the access line shows) and the message on one line (newlines in it
//! are escaped, so one event is always one line for grep and journald).
//!
//! Which messages are written: `RUST_LOG` if it is set, otherwise `[server] log_level`
//! (live: a config reload applies it). Both take a level (`error`, `warn`, `info`, `debug`,
//! `trace`, `off`) and optionally `target=level` pairs for parts, comma-separated:
//! `warn,boutique::jobs=debug`. A failed write to stderr (closed, full pipe) is ignored:
//! logging must never take the store down, which `eprintln!` would by panicking.

use log::{LevelFilter, Log, Metadata, Record};
use std::io::Write as _;
use std::sync::RwLock;

/// Which levels are written, overall and per target prefix (longest prefix wins).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    default: LevelFilter,
    targets: Vec<(String, LevelFilter)>,
}

impl Filter {
    /// `"info"`, `"warn,boutique::jobs=debug"`; the error names the part it did not
    /// understand.
    pub fn parse(spec: &str) -> Result<Filter, String> {
        let mut f = Filter {
            default: LevelFilter::Info,
            targets: Vec::new(),
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let level = |s: &str| {
                s.trim().parse::<LevelFilter>().map_err(|_| {
                    format!("\"{s}\" is not a log level (error, warn, info, debug, trace or off)")
                })
            };
            match part.split_once('=') {
                Some((target, l)) if !target.trim().is_empty() => {
                    f.targets.push((target.trim().to_string(), level(l)?));
                }
                Some(_) => return Err(format!("\"{part}\" has no target before '='")),
                None => f.default = level(part)?,
            }
        }
        // Longest prefix first, so the most specific pair decides.
        f.targets.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        Ok(f)
    }

    fn level_for(&self, target: &str) -> LevelFilter {
        self.targets
            .iter()
            .find(|(t, _)| {
                target == t
                    || (target.starts_with(t.as_str()) && target[t.len()..].starts_with("::"))
            })
            .map_or(self.default, |(_, l)| *l)
    }

    fn max(&self) -> LevelFilter {
        self.targets
            .iter()
            .map(|(_, l)| *l)
            .fold(self.default, std::cmp::Ord::max)
    }
}

struct Logger {
    filter: RwLock<Filter>,
    /// Set when `RUST_LOG` chose the filter: the config's level then never overrides it.
    from_env: bool,
}

static LOGGER: std::sync::OnceLock<Logger> = std::sync::OnceLock::new();

impl Log for Logger {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        let f = self.filter.read().unwrap_or_else(|p| p.into_inner());
        m.level() <= f.level_for(m.target())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format_line(
            &timestamp(),
            record.level(),
            record.target(),
            crate::http::current_request_id().as_deref(),
            &record.args().to_string(),
        );
        // One write per line, so lines from different threads never interleave.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

fn timestamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// One log line, newline-terminated; newlines in the message are escaped.
pub fn format_line(
    at: &str,
    level: log::Level,
    target: &str,
    request: Option<&str>,
    msg: &str,
) -> String {
    let msg = msg.replace('\r', "\\r").replace('\n', "\\n");
    format!("{at} {level} {target} [{}] {msg}\n", request.unwrap_or("-"))
}

/// Installs the logger (once per process; later calls only change the filter). `config`
/// is `[server] log_level`; `RUST_LOG`, when set and valid, wins over it.
pub fn init(config: &str) {
    let env = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let from_config = || Filter::parse(config).unwrap_or_else(|_| default());
    let (filter, from_env, bad_env) = match env.as_deref().map(Filter::parse) {
        Some(Ok(f)) => (f, true, None),
        Some(Err(e)) => (from_config(), false, Some(e)),
        None => (from_config(), false, None),
    };
    let max = filter.max();
    let mut first = false;
    let logger = LOGGER.get_or_init(|| {
        first = true;
        Logger {
            filter: RwLock::new(filter.clone()),
            from_env,
        }
    });
    if first {
        // Fails only if another logger was installed first (a test harness): keep it.
        let _ = log::set_logger(logger);
        log::set_max_level(max);
    } else {
        set_filter(config);
    }
    if let Some(e) = bad_env {
        log::warn!("RUST_LOG ignored: {e}");
    }
}

fn default() -> Filter {
    Filter {
        default: LevelFilter::Info,
        targets: Vec::new(),
    }
}

/// Applies a new `[server] log_level` (after a config reload), unless `RUST_LOG` chose.
pub fn set_filter(config: &str) {
    let Some(logger) = LOGGER.get() else { return };
    if logger.from_env {
        return;
    }
    if let Ok(f) = Filter::parse(config) {
        log::set_max_level(f.max());
        *logger.filter.write().unwrap_or_else(|p| p.into_inner()) = f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_the_longest_prefix_decides() {
        let f = Filter::parse("warn, boutique::jobs=debug ,boutique::jobs::worker=error").unwrap();
        assert_eq!(f.level_for("boutique::http::server"), LevelFilter::Warn);
        assert_eq!(f.level_for("boutique::jobs::sweeper"), LevelFilter::Debug);
        assert_eq!(f.level_for("boutique::jobs::worker"), LevelFilter::Error);
        // A prefix matches whole path segments only.
        assert_eq!(f.level_for("boutique::jobsx"), LevelFilter::Warn);
        assert_eq!(f.max(), LevelFilter::Debug);
        assert_eq!(Filter::parse("").unwrap().level_for("x"), LevelFilter::Info);
        assert!(
            Filter::parse("loud")
                .unwrap_err()
                .contains("\"loud\" is not a log level")
        );
        assert!(Filter::parse("=debug").is_err());
    }

    #[test]
    fn a_line_is_one_line() {
        let l = format_line(
            "2026-12-03T13:40:01.123Z",
            log::Level::Warn,
            "boutique::jobs::worker",
            Some("3f9a0c12be77"),
            "first\nsecond",
        );
        assert_eq!(
            l,
            "2026-12-03T13:40:01.123Z WARN boutique::jobs::worker [3f9a0c12be77] first\\nsecond\n"
        );
        assert_eq!(l.matches('\n').count(), 1);
    }
}
