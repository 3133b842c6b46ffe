//! The rules single values must pass (names, URLs, currencies, locales, offsets, amounts,
//! countries, addresses) and the "did you mean" suggester: plain functions of text.

use super::*;

/// How a wrong value reads in an error: `text "2"`, `the number 5`, `a list`.
pub(super) fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("text \"{s}\""),
        DeValue::Integer(i) => format!("the number {i}"),
        DeValue::Float(f) => format!("the number {f}"),
        DeValue::Boolean(b) => format!("{b}"),
        DeValue::Datetime(d) => format!("the date/time {d}"),
        DeValue::Array(_) => "a list".into(),
        DeValue::Table(_) => "a section".into(),
    }
}

pub(super) fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

pub(super) fn check_plain(key: &str, s: &str, max: usize) -> Result<(), String> {
    if has_control(s) {
        return Err(format!(
            "{key} must not contain control characters such as tabs or line breaks"
        ));
    }
    let n = s.chars().count();
    if n > max {
        return Err(format!("{key} must be at most {max} characters (got {n})"));
    }
    Ok(())
}

pub(super) fn check_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("name must not be empty".into());
    }
    check_plain("name", s, 80)
}

/// Returns the URL without trailing slashes: pages build links as `{url}/p/slug`.
pub(super) fn check_url(s: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "url must be the shop's public address starting with http:// or https://, like \"https://shop.example.com\" (got \"{s}\")"
        )
    };
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty()
        || rest.starts_with('/')
        || rest.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad());
    }
    if rest.contains(['?', '#']) {
        return Err(format!("url must not contain ? or # (got \"{s}\")"));
    }
    Ok(s.trim_end_matches('/').to_string())
}

pub(super) fn check_currency(s: &str) -> Result<(), String> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Ok(());
    }
    let hint = if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        format!(" (did you mean \"{}\"?)", s.to_ascii_uppercase())
    } else {
        String::new()
    };
    Err(format!(
        "currency must be a 3-letter currency code in capitals like \"INR\", \"USD\" or \"EUR\" (got \"{s}\"){hint}"
    ))
}

pub(super) fn check_symbol(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("currency_symbol must not be empty (e.g. \"₹\", \"$\" or \"Rs.\")".into());
    }
    check_plain("currency_symbol", s, 8)
}

/// A language tag as `<html lang>` accepts it: letters first, then letter/digit groups
/// joined by hyphens ("en", "en-IN", "zh-Hant-TW").
pub(super) fn check_locale(s: &str) -> Result<(), String> {
    let ok = (2..=35).contains(&s.len())
        && s.split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && s.split('-')
            .next()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_alphabetic()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "locale must be a language tag like \"en-IN\", \"en-US\" or \"fr\" (got \"{s}\")"
        ))
    }
}

/// A deliberately loose address check: one `@`, something on both sides, a dot in the
/// domain, no spaces or control characters. Real validation is the mail server's job; this
/// catches typos and header injection.
pub(super) fn check_email_addr(s: &str) -> Result<(), String> {
    let bad = || format!("must be an email address like \"hello@example.com\" (got \"{s}\")");
    let Some((local, domain)) = s.split_once('@') else {
        return Err(bad());
    };
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | '"'))
    {
        return Err(bad());
    }
    Ok(())
}

/// `Name <address>` or a bare address.
pub(super) fn check_from(s: &str) -> Result<(), String> {
    let bad = || {
        format!("must look like \"Store <shop@example.com>\" or \"shop@example.com\" (got \"{s}\")")
    };
    if has_control(s) {
        return Err(bad());
    }
    match s.rfind('<') {
        Some(open) => {
            let name = s[..open].trim();
            let addr = s[open + 1..].strip_suffix('>').ok_or_else(bad)?;
            if name.contains(['<', '>']) {
                return Err(bad());
            }
            check_email_addr(addr).map_err(|_| bad())
        }
        None => check_email_addr(s).map_err(|_| bad()),
    }
}

/// `[[name]]` sections (or an inline list of `{ ... }` tables) parse as a list of tables.
pub(super) fn is_table_list(v: &DeValue<'_>) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(|i| i.get_ref().is_table()))
}

/// Order numbers read `{prefix}-{n}`, so the prefix is kept to letters that cannot be
/// confused with the separator or the digits, and short enough to read out on the phone.
pub(super) fn check_order_prefix(s: &str) -> Result<(), String> {
    let sized = (1..=6).contains(&s.len());
    if sized && s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Ok(());
    }
    let hint = if sized && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        format!(" (did you mean \"{}\"?)", s.to_ascii_uppercase())
    } else {
        String::new()
    };
    Err(format!(
        "order_prefix must be 1 to 6 capital letters A-Z, like \"BQ\" for order numbers such as BQ-10427 (got \"{s}\"){hint}"
    ))
}

/// An amount written as text, `"99"` or `"99.50"`, as minor units. The error leaves out
/// the `[section] key` prefix, which [`Checker::money`] adds.
pub(super) fn parse_amount(s: &str, digits: u8) -> Result<i64, String> {
    let shown = format!("\"{s}\"");
    if s.starts_with('-') {
        return Err(format!("must not be negative (got {shown})"));
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || (s.contains('.') && !all_digits(frac)) {
        return Err(format!(
            "must be an amount like 99 or \"99.50\": digits and at most one point, without currency symbol or commas (got {shown})"
        ));
    }
    if frac.len() > usize::from(digits) {
        return Err(if digits == 0 {
            format!(
                "must be a whole amount: the currency has no decimals ([store] currency_digits = 0) (got {shown})"
            )
        } else {
            format!(
                "has too many decimals: at most {digits} after the point ([store] currency_digits = {digits}) (got {shown})"
            )
        });
    }
    // Leading zeros are harmless; more digits than u128 holds is simply too large.
    let whole = whole.trim_start_matches('0');
    let whole = if whole.len() > 30 {
        u128::MAX
    } else {
        whole.parse().unwrap_or(0)
    };
    to_minor(whole, frac, digits, &shown)
}

/// `whole` major units plus the decimals `frac` (at most `digits` of them) in minor
/// units, or the "too large" error quoting `shown`, the value as written.
pub(super) fn to_minor(whole: u128, frac: &str, digits: u8, shown: &str) -> Result<i64, String> {
    let scale = 10u128.pow(u32::from(digits));
    let frac = match frac {
        "" => 0,
        f => f.parse::<u128>().unwrap_or(0) * 10u128.pow((usize::from(digits) - f.len()) as u32),
    };
    match whole.checked_mul(scale).and_then(|m| m.checked_add(frac)) {
        Some(minor) if minor <= MAX_MONEY_MINOR as u128 => Ok(minor as i64),
        _ => Err(format!(
            "is too large: at most {} (got {shown})",
            MAX_MONEY_MINOR as u128 / scale
        )),
    }
}

/// ISO 3166-1 alpha-2 codes officially assigned (as listed in the tz database's
/// iso3166.tab, 2023). A typo such as "UK" (the code is GB) would otherwise make a zone
/// silently match nobody.
pub(super) const COUNTRY_CODES: &str = "\
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM \
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS \
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN \
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ \
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM \
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV \
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI \
    VN VU WF WS YE YT ZA ZM ZW";

/// A zone's country entry: an assigned code in any case → upper case, or `"*"`.
pub(super) fn check_country(s: &str) -> Result<String, String> {
    if s == "*" {
        return Ok(s.into());
    }
    let code = s.to_ascii_uppercase();
    if code.len() == 2 && COUNTRY_CODES.split(' ').any(|c| c == code) {
        return Ok(code);
    }
    let hint = if code == "UK" {
        " (the United Kingdom is \"GB\")"
    } else {
        ""
    };
    Err(format!(
        "\"{s}\" is not a two-letter country code (ISO 3166-1), like \"IN\", \"US\" or \"GB\"{hint}"
    ))
}

/// Whether every address zone `b` matches is matched by `a` too, so that `b`, listed
/// after `a`, would never be used.
pub(super) fn covers(a: &Zone, b: &Zone) -> bool {
    let countries =
        a.countries.iter().any(|c| c == "*") || b.countries.iter().all(|c| a.countries.contains(c));
    let regions = a.regions.is_empty()
        || (!b.regions.is_empty()
            && b.regions
                .iter()
                .all(|r| a.regions.iter().any(|x| same_region(x, r))));
    countries && regions
}

/// The closest known word within a small edit distance, for "did you mean" hints.
pub(super) fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let word = word.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance with adjacent transpositions counted as one edit ("nmae" → "name").
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}
