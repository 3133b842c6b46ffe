//! Formatting shared by every view: money in the store's currency (integer minor units →
//! "₹1,299.00", with Indian digit grouping for `en-IN`), dates in the store's offset, and
//! the small safe subset of formatting allowed in product descriptions.

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

/// ISO date (YYYY-MM-DD) of a unix time shifted by the store's offset.
pub fn iso_date(unix: i64, offset_minutes: i32) -> String {
    let days = (unix + offset_minutes as i64 * 60).div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's method).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
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
        assert_eq!(iso_date(0, 0), "1970-01-01");
        assert_eq!(iso_date(1_700_000_000, 330), "2023-11-15");
    }
}
