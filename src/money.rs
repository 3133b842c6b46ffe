//! Money: amounts are integer minor units of the store's currency everywhere; this is how
//! they are written for people ("₹1,299.00", Indian digit grouping for `en-IN`) and read
//! back from what an owner types ("1,299.50"). Domain, service and views all use it, so it
//! belongs to none of them.

/// How the store writes money.
#[derive(Debug, Clone)]
pub struct Money {
    pub symbol: String,
    pub digits: u8,
    pub indian_grouping: bool,
}

impl Money {
    /// How this store writes money.
    pub fn of(s: &crate::config::StoreConfig) -> Money {
        Money {
            symbol: s.currency_symbol.clone(),
            digits: s.currency_digits,
            indian_grouping: s.locale.ends_with("-IN"),
        }
    }

    pub fn format(&self, minor: i64) -> String {
        let neg = minor < 0;
        let abs = minor.unsigned_abs();
        let scale = 10u64.pow(self.digits as u32);
        let (major, frac) = (abs / scale, abs % scale);
        let grouped = group(major, self.indian_grouping);
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(&self.symbol);
        s.push_str(&grouped);
        if self.digits > 0 {
            s.push('.');
            s.push_str(&format!("{:0width$}", frac, width = self.digits as usize));
        }
        s
    }

    /// Reads an amount typed by a person ("1,299.50", "₹1299", "99") into minor units.
    /// None for anything else: negative, more decimals than the currency has, not a number.
    pub fn parse(&self, s: &str) -> Option<i64> {
        let t: String = s
            .trim()
            .trim_start_matches(self.symbol.as_str())
            .chars()
            .filter(|c| *c != ',' && !c.is_whitespace())
            .collect();
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t.as_str(), ""),
        };
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > self.digits as usize
            || whole.len() > 12
        {
            return None;
        }
        let scale = 10i64.pow(self.digits as u32);
        let w: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let f: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<width$}", width = self.digits as usize)
                .parse()
                .ok()?
        };
        w.checked_mul(scale)?.checked_add(f)
    }

    /// Decimal string without symbol or grouping ("1299.00"), for JSON-LD and feeds.
    pub fn plain(&self, minor: i64) -> String {
        let scale = 10i64.pow(self.digits as u32);
        if self.digits == 0 {
            return minor.to_string();
        }
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.abs();
        format!(
            "{sign}{}.{:0w$}",
            abs / scale,
            abs % scale,
            w = self.digits as usize
        )
    }
}

fn group(n: u64, indian: bool) -> String {
    let digits = n.to_string();
    let bytes = digits.as_bytes();
    if bytes.len() <= 3 {
        return digits;
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    let size = if indian { 2 } else { 3 };
    let mut parts: Vec<&str> = Vec::new();
    let mut end = head.len();
    while end > 0 {
        let start = end.saturating_sub(size);
        parts.push(&head[start..end]);
        end = start;
    }
    parts.reverse();
    format!("{},{}", parts.join(","), last3)
}
