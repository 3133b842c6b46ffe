//! Formatting shared by every view: money in the store's currency (integer minor units →
//! "₹1,299.00", with Indian digit grouping for `en-IN`), dates in the store's offset, and
//! the small safe subset of formatting allowed in product descriptions.

use crate::zone::Zone;
use maud::{Markup, html};

pub use crate::money::Money;

/// Percent saved, rounded down, when there is a real compare-at price.
pub fn percent_off(price: i64, compare_at: Option<i64>) -> Option<i64> {
    let c = compare_at?;
    if c > price && c > 0 {
        Some((c - price) * 100 / c)
    } else {
        None
    }
}

/// Renders a product description. Allowed: paragraphs (blank line), lines starting with
/// "- " as a list, **bold** and *italic*. Everything is escaped text; no HTML passes.
pub fn description(text: &str) -> Markup {
    let blocks: Vec<&str> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .collect();
    html! {
        @for block in blocks {
            @if block.lines().all(|l| l.trim_start().starts_with("- ")) {
                ul {
                    @for line in block.lines() {
                        li { (inline(line.trim_start().trim_start_matches("- "))) }
                    }
                }
            } @else {
                p { (inline(block)) }
            }
        }
    }
}

fn inline(text: &str) -> Markup {
    // Split on ** first, then * inside the plain parts; unmatched markers stay literal.
    let bold: Vec<&str> = text.split("**").collect();
    let bold_ok = bold.len() % 2 == 1;
    html! {
        @for (i, part) in bold.iter().enumerate() {
            @if bold_ok && i % 2 == 1 {
                strong { (part) }
            } @else {
                @if !bold_ok && i > 0 { "**" }
                (italic(part))
            }
        }
    }
}

fn italic(text: &str) -> Markup {
    let parts: Vec<&str> = text.split('*').collect();
    let ok = parts.len() % 2 == 1;
    html! {
        @for (i, part) in parts.iter().enumerate() {
            @if ok && i % 2 == 1 {
                em { (part) }
            } @else {
                @if !ok && i > 0 { "*" }
                (part)
            }
        }
    }
}

/// Plain text of a description (for meta descriptions and JSON): markers removed.
pub fn plain_text(text: &str, max: usize) -> String {
    let flat: String = text
        .replace("**", "")
        .replace('*', "")
        .split_whitespace()
        .map(|w| w.trim_start_matches("- "))
        .collect::<Vec<_>>()
        .join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// A JSON text indented for people; text that is not JSON comes back as it was.
pub fn pretty_json(s: &str) -> String {
    serde_json::from_str::<serde_json::Value>(s)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| s.to_string())
}

/// ISO date (YYYY-MM-DD) of a unix time in the store's zone.
pub fn iso_date(unix: i64, zone: &Zone) -> String {
    let (y, m, d) = zone.date(unix);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats() {
        let inr = Money {
            symbol: "₹".into(),
            digits: 2,
            indian_grouping: true,
        };
        assert_eq!(inr.format(1_234_567_890), "₹1,23,45,678.90");
        assert_eq!(inr.format(129_900), "₹1,299.00");
        assert_eq!(inr.format(5), "₹0.05");
        assert_eq!(inr.parse("₹1,299.5"), Some(129_950));
        assert_eq!(inr.parse("99"), Some(9_900));
        assert_eq!(inr.parse(".05"), Some(5));
        for bad in ["", "-5", "1.234", "abc", "1.2.3", "."] {
            assert_eq!(inr.parse(bad), None, "{bad}");
        }
        let usd = Money {
            symbol: "$".into(),
            digits: 2,
            indian_grouping: false,
        };
        assert_eq!(usd.format(123_456_789), "$1,234,567.89");
        let jpy = Money {
            symbol: "¥".into(),
            digits: 0,
            indian_grouping: false,
        };
        assert_eq!(jpy.format(1500), "¥1,500");
        assert_eq!(inr.plain(129_900), "1299.00");
    }

    #[test]
    fn description_is_escaped_and_formatted() {
        let out = description("Hello **bold** and *it*\n\n- one\n- <b>two</b>").into_string();
        assert!(out.contains("<strong>bold</strong>"));
        assert!(out.contains("<em>it</em>"));
        assert!(out.contains("<li>&lt;b&gt;two&lt;/b&gt;</li>"));
        let odd = description("a ** b").into_string();
        assert!(odd.contains("a ** b"));
    }

    #[test]
    fn dates() {
        assert_eq!(iso_date(0, &Zone::utc()), "1970-01-01");
        assert_eq!(
            iso_date(1_700_000_000, &Zone::fixed_minutes(330)),
            "2023-11-15"
        );
        // Late evening in Paris is already tomorrow in Kolkata.
        let t = Zone::parse("Europe/Paris")
            .unwrap()
            .local_time(2026, 7, 1, 23, 0)
            .unwrap();
        assert_eq!(
            iso_date(t, &Zone::parse("Asia/Kolkata").unwrap()),
            "2026-07-02"
        );
    }
}
