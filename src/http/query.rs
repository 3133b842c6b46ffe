//! Decoding of query strings and url-encoded form bodies into (name, value) pairs.
//! Invalid percent escapes and invalid UTF-8 are replaced rather than rejected, so a
//! mangled link still gets a page; handlers validate the values they use.

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

/// Parses `a=1&b=two` into pairs (at most 100, to bound work on hostile input).
pub fn pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .take(100)
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k, true), decode(v, true)),
            None => (decode(p, true), String::new()),
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
}
