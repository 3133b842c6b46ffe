//! The one rule for single-line text fields (titles, SKUs, option names and values,
//! category names, coupon codes, banner titles, names, address lines, phone, email, and the
//! CSV cells of those columns): no control characters. A NUL, CR, LF, TAB or DEL in a title
//! breaks CSV exports, email headers, courier labels and the pages that show it, and is
//! never what the owner or shopper meant to type. Multi-line fields (descriptions, notes)
//! do not use this; their line endings are normalised at the HTTP edge instead.

use crate::error::{Error, Result};

/// "1 order", "3 orders": a count with its noun in the right number (English: one is
/// singular, everything else plural, zero included).
pub fn count_of(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// True when `v` holds a control character: C0 (NUL … US, so TAB, LF and CR too), DEL,
/// or C1 (U+0080 … U+009F).
pub fn has_control(v: &str) -> bool {
    v.chars().any(char::is_control)
}

/// Refuses `v` for the field named `field` (as the form labels it, e.g. "Title") with a
/// 400 that names the field, so the person knows what to fix.
pub fn single_line(field: &str, v: &str) -> Result<()> {
    if has_control(v) {
        return Err(Error::bad_request(format!(
            "{field} must be one line of text, without line breaks, tabs or other control characters."
        ))
        .with_details(serde_json::json!({ "field": field })));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_every_control_character_and_names_the_field() {
        for bad in [
            "a\0b",
            "a\nb",
            "a\rb",
            "a\tb",
            "a\u{7f}b",
            "a\u{85}b",
            "\u{1b}[31m",
        ] {
            let e = single_line("Title", bad).unwrap_err();
            assert_eq!(e.status(), 400, "{bad:?}");
            assert!(e.public.contains("Title"), "{}", e.public);
        }
        assert!(single_line("Title", "Linen shirt – blue, 100% ✓").is_ok());
        assert!(single_line("Title", "").is_ok());
    }
}
