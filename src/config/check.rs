//! Reading `store.toml`: the file → toml's spanned tree → a walk that fills [`Config`]
//! and collects every mistake with its line. This file owns the walk itself (sections,
//! unknown keys with "did you mean", the typed value readers every section uses); what
//! each section's keys mean is in `sections.rs`, the value rules in `rules.rs`.

use super::*;

/// Loads and validates a config file. Errors read `store.toml:12: ...`, one line per
/// problem, with the path as given. A missing file is an error too (the caller decides
/// whether to fall back to [`Config::default`]). A relative `data_dir` is resolved against
/// the directory that holds the config file, so `boutique serve --config /srv/shop/store.toml`
/// uses `/srv/shop/data` whatever the current directory is.
pub fn load(path: &Path) -> Result<Config, String> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{label}: config file not found"),
        _ => format!("{label}: cannot read the config file: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = line_of(e.as_bytes(), at);
        format!("{label}:{line}: this line is not valid UTF-8 text; save the file as UTF-8")
    })?;
    // Absolute, so the data directory does not move if the process changes directory.
    let parent = path.parent().unwrap_or(Path::new(""));
    let base = if parent.as_os_str().is_empty() {
        std::path::absolute(".").unwrap_or_default()
    } else {
        std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf())
    };
    parse(&text, &label, &base)
}

/// Parses and validates config text. `file_label` starts every error line
/// (`FILE:LINE: message`); a relative `data_dir` (including the default `data`) is joined
/// onto `base_dir`. All problems found are returned, one per line, in file order.
pub fn parse(text: &str, file_label: &str, base_dir: &Path) -> Result<Config, String> {
    // A UTF-8 byte-order mark (some Windows editors add one) has no newline in it, so
    // removing it does not shift line numbers.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ck = Checker {
        text,
        errors: Vec::new(),
        currency_digits: Config::default().store.currency_digits,
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        // The recovered tree may be missing whatever the broken line held, so checking
        // it would report follow-on noise ("unknown key"...). Report the syntax only.
        for e in &syntax {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            ck.errors.push((
                line_of(text.as_bytes(), at),
                format!("this line is not valid TOML: {}", syntax_hint(e.message())),
            ));
        }
    } else {
        let mut cfg = Config::default();
        ck.document(doc.get_ref(), &mut cfg);
        if ck.errors.is_empty() {
            if cfg.server.data_dir.is_relative() {
                cfg.server.data_dir = base_dir.join(&cfg.server.data_dir);
            }
            return Ok(cfg);
        }
    }
    ck.errors.sort_by_key(|(line, _)| *line);
    let mut out = String::new();
    for (i, (line, msg)) in ck.errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{file_label}:{line}: {msg}");
    }
    Err(out)
}

/// Turns toml's terse parser messages into something a shop owner can act on.
pub(super) fn syntax_hint(msg: &str) -> String {
    if msg.starts_with("duplicate key") {
        return "this key or [section] appears twice; keep only one".into();
    }
    msg.to_string()
}

/// 1-based line number of byte offset `at`.
pub(super) fn line_of(bytes: &[u8], at: usize) -> usize {
    let at = at.min(bytes.len());
    bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
}

/// The most any amount may be, in minor units: far above any real price or fee, and far
/// below where sums of a few of them could overflow i64.
pub(super) const MAX_MONEY_MINOR: i64 = 1_000_000_000_000;

/// `[store] currency_digits` if it is present and valid, else the default. Money keys are
/// converted with it wherever they sit, so it is read before the walk; a bad value is
/// reported by [`Checker::store`] (the default stands in meanwhile).
pub(super) fn currency_digits_of(root: &DeTable<'_>) -> u8 {
    root.get("store")
        .and_then(|s| s.get_ref().as_table())
        .and_then(|t| t.get("currency_digits"))
        .and_then(|v| v.get_ref().as_integer())
        .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok())
        .filter(|n| (0..=3).contains(n))
        .map_or(Config::default().store.currency_digits, |n| n as u8)
}

pub(super) type Key<'i> = Spanned<DeString<'i>>;
pub(super) type Val<'i> = Spanned<DeValue<'i>>;

/// Walks the document, collecting `(line, message)` pairs.
pub(super) struct Checker<'a> {
    pub(super) text: &'a str,
    pub(super) errors: Vec<(usize, String)>,
    /// From [`currency_digits_of`]: how [`Checker::money`] turns major units into minor.
    pub(super) currency_digits: u8,
}

impl Checker<'_> {
    pub(super) fn err(&mut self, span: Range<usize>, msg: String) {
        self.errors
            .push((line_of(self.text.as_bytes(), span.start), msg));
    }

    pub(super) fn document(&mut self, root: &DeTable<'_>, cfg: &mut Config) {
        self.currency_digits = currency_digits_of(root);
        for (k, v) in root {
            let name: &str = k.get_ref();
            if let Some(section) = section(name) {
                let Some(table) = v.get_ref().as_table() else {
                    self.err(
                        k.span(),
                        format!(
                            "\"{name}\" must be a section: a line [{name}] followed by its keys"
                        ),
                    );
                    continue;
                };
                (section.read)(self, table, cfg);
            } else if is_table_list(v.get_ref()) {
                // `[[zones]]`: the only list of sections lives under [shipping].
                let hint = if suggest(name, &["zones", "zone"]).is_some() {
                    " (did you mean [[shipping.zones]]?)"
                } else {
                    " (the only [[...]] sections are [[shipping.zones]])"
                };
                self.err(k.span(), format!("unknown section [[{name}]]{hint}"));
            } else if v.get_ref().is_table() {
                let names = section_names();
                let hint = suggest(name, &names)
                    .map(|s| format!(" (did you mean [{s}]?)"))
                    .unwrap_or_else(|| format!(" (the sections are [{}])", names.join("], [")));
                self.err(k.span(), format!("unknown section [{name}]{hint}"));
            } else {
                let home = SECTIONS.iter().find(|s| s.keys.contains(&name));
                let hint = match home {
                    Some(s) => format!("; it belongs under [{}]", s.name),
                    None => format!(
                        "; every key goes under a section such as [{}]",
                        SECTIONS[0].name
                    ),
                };
                self.err(
                    k.span(),
                    format!("key \"{name}\" is outside any section{hint}"),
                );
            }
        }
    }

    pub(super) fn unknown_key(&mut self, section: &str, k: &Key<'_>) {
        let name: &str = k.get_ref();
        let known = keys_of(section);
        let hint = if let Some(s) = suggest(name, known) {
            format!(" (did you mean \"{s}\"?)")
        } else if section == "shipping" && ZONE_KEYS.contains(&name) {
            // A zone key written above the first [[shipping.zones]] line.
            " (it belongs in a zone: put it under a [[shipping.zones]] line)".to_string()
        } else if let Some(other) = SECTIONS
            .iter()
            .find(|s| s.name != section && s.keys.contains(&name))
        {
            format!(" (it belongs under [{}])", other.name)
        } else {
            format!(" (known keys: {})", known.join(", "))
        };
        self.err(
            k.span(),
            format!("unknown key \"{name}\" in [{section}]{hint}"),
        );
    }

    /// A text value, trimmed. `None` (with an error recorded) for any other type.
    pub(super) fn string(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.trim().to_string()),
            other => {
                let key: &str = k.get_ref();
                self.err(
                    v.span(),
                    format!(
                        "[{section}] {key} must be text in double quotes (got {})",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// A whole number in `lo..=hi`.
    pub(super) fn int(
        &mut self,
        section: &str,
        k: &Key<'_>,
        v: &Val<'_>,
        lo: i64,
        hi: i64,
    ) -> Option<i64> {
        let key: &str = k.get_ref();
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            other => {
                self.err(
                    v.span(),
                    format!(
                        "[{section}] {key} must be a whole number without quotes (got {})",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        match n {
            Some(n) if (lo..=hi).contains(&n) => Some(n),
            _ => {
                let got = &self.text[v.span()];
                self.err(
                    v.span(),
                    format!("[{section}] {key} must be between {lo} and {hi} (got {got})"),
                );
                None
            }
        }
    }

    /// Records `msg` against the value when `check` fails; returns the value when it passes.
    pub(super) fn check<T>(&mut self, v: &Val<'_>, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(t) => Some(t),
            Err(msg) => {
                self.err(v.span(), msg);
                None
            }
        }
    }

    /// `true` or `false`, without quotes.
    pub(super) fn boolean(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let key: &str = k.get_ref();
                self.err(
                    v.span(),
                    format!(
                        "[{section}] {key} must be true or false, without quotes (got {})",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// An amount in major units (`99` or `"99.50"`) as exact minor units, using
    /// `currency_digits`: see the module doc.
    pub(super) fn money(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<i64> {
        let key: &str = k.get_ref();
        let digits = self.currency_digits;
        let src = &self.text[v.span()];
        let r = match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) if n < 0 => Err(format!("must not be negative (got {src})")),
                Ok(n) => to_minor(n as u128, "", digits, src),
                // Beyond i64: too large whatever the digits.
                Err(_) => to_minor(u128::MAX, "", digits, src),
            },
            DeValue::String(s) => parse_amount(s.trim(), digits),
            DeValue::Float(_) => {
                // Offer their own number in quotes when it is a plain decimal.
                let plain = src.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                let eg = if plain { src } else { "99.50" };
                Err(format!(
                    "must be written in double quotes when it has decimals, like \"{eg}\" (got {src} without quotes)"
                ))
            }
            other => Err(format!(
                "must be an amount like 99 or \"99.50\" (got {})",
                describe(other)
            )),
        };
        self.check(v, r.map_err(|e| format!("[{section}] {key} {e}")))
    }

    /// A list of texts, each trimmed, with the span of each for its own errors. `None`
    /// (errors recorded) when the value is not a list or an entry is not text.
    pub(super) fn string_list(
        &mut self,
        section: &str,
        k: &Key<'_>,
        v: &Val<'_>,
        example: &str,
    ) -> Option<Vec<(String, Range<usize>)>> {
        let key: &str = k.get_ref();
        let Some(list) = v.get_ref().as_array() else {
            self.err(
                v.span(),
                format!(
                    "[{section}] {key} must be a list in square brackets like {example} (got {})",
                    describe(v.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in list {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.trim().to_string(), item.span())),
                other => {
                    self.err(
                        item.span(),
                        format!(
                            "[{section}] {key} entries must be text in double quotes, like {example} (got {})",
                            describe(other)
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// Like [`Checker::check`], for a span without its value (a list entry).
    pub(super) fn check_at(&mut self, at: Range<usize>, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(msg) => {
                self.err(at, msg);
                false
            }
        }
    }

    /// A secret text value: like [`Checker::string`] but any message leaves the value out.
    pub(super) fn secret(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<Secret> {
        let key: &str = k.get_ref();
        match v.get_ref() {
            DeValue::String(s) if has_control(s) || s.trim().contains(' ') => {
                self.err(
                    v.span(),
                    format!("[{section}] {key} must not contain spaces or control characters"),
                );
                None
            }
            DeValue::String(s) => Some(Secret::new(s.trim())),
            _ => {
                self.err(
                    v.span(),
                    format!("[{section}] {key} must be text in double quotes"),
                );
                None
            }
        }
    }
}
