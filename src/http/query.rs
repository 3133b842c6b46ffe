//! Decoding of query strings and url-encoded form bodies into (name, value) pairs.
//! Invalid percent escapes and invalid UTF-8 are replaced rather than rejected, so a
//! mangled link still gets a page; handlers validate the values they use.
//! Line endings are normalised here (CRLF and lone CR → LF), at the edge, because browsers
//! send every textarea with CRLF and the stored text, the formatter and the search index
//! all work in LF: a product saved unchanged must come back unchanged.

/// Percent-decodes `s`; `+` becomes a space when `plus_is_space` (forms and queries).
pub fn decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// CRLF and lone CR become LF; text without CR is returned as is (no copy of the scan).
pub fn newlines(s: String) -> String {
    if !s.contains('\r') {
        return s;
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The most pairs one string yields. Every pair costs at least two bytes (`x&`), so the
/// 64 KB body cap already bounds a form to 32,768 of them; this only stops a longer
/// string given by other code from costing more. (A cap of 100 used to drop the tail of
/// a product's edit form with 15+ variants, silently.)
pub const MAX_PAIRS: usize = 32 * 1024;

/// Parses `a=1&b=two` into pairs, line endings normalised (see the module doc).
pub fn pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .take(MAX_PAIRS)
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (newlines(decode(k, true)), newlines(decode(v, true))),
            None => (newlines(decode(p, true)), String::new()),
        })
        .collect()
}

/// Convenience lookups over parsed pairs.
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(s: &str) -> Params {
        Params(pairs(s))
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(decode("a%20b+c", true), "a b c");
        assert_eq!(decode("%zz%4", false), "%zz%4");
        assert_eq!(decode("%E2%82%B9", false), "₹");
        assert_eq!(decode("%", false), "%");
        assert_eq!(decode("ab%4", false), "ab%4");
        let p = Params::parse("q=linen&opt=Size%3AM&opt=Size:L&x");
        assert_eq!(p.get("q"), Some("linen"));
        assert_eq!(p.all("opt").collect::<Vec<_>>(), vec!["Size:M", "Size:L"]);
        assert_eq!(p.get("x"), Some(""));
    }

    #[test]
    fn normalises_line_endings_and_keeps_every_pair() {
        let p = Params::parse("d=a%0D%0Ab%0Dc%0A%0D%0Ad&t=x");
        assert_eq!(p.get("d"), Some("a\nb\nc\n\nd"));
        let many: Vec<String> = (0..500).map(|i| format!("v{i}={i}")).collect();
        let p = Params::parse(&many.join("&"));
        assert_eq!(p.0.len(), 500);
        assert_eq!(p.get("v499"), Some("499"));
    }
}
