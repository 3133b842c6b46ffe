//! Bank-transfer proofs as files: judged by their bytes (magic bytes, then a real decode
//! for pictures or a structural check for PDFs; nothing after the format's end marker; no
//! markup or scripts hidden inside), then written under `data/proofs/` with a name the
//! server makes, temp → fsync → rename. The shopper's file name is never used.

use crate::crypto;
use crate::error::{Error, Kind, Result};
use crate::shop::catalog::images;
use std::path::{Path, PathBuf};

const KINDS: &str =
    "Please upload a screenshot or photo (JPEG, PNG or WebP) or a PDF of the transfer.";

/// A proof file as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub name: String,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: Vec<u8>,
}

fn refuse(msg: &str) -> Error {
    Error::new(Kind::UnsupportedMedia, msg)
}

/// Whether `needle` occurs in `hay` as a whole word: followed by one of `ends`, or by the
/// end of `hay`. Compressed picture data and PDF streams are random bytes in which a short
/// run like `<svg` or `/JS` turns up by chance (`/JS` about once per 16 MB), so a bare
/// substring match refused a share of genuine screenshots and statements.
fn has_word(hay: &[u8], needle: &[u8], ends: &[u8]) -> bool {
    hay.windows(needle.len())
        .enumerate()
        .any(|(i, w)| w == needle && hay.get(i + needle.len()).is_none_or(|b| ends.contains(b)))
}

/// Markup or script inside a file is what makes a polyglot dangerous (a picture that is
/// also an HTML page). No genuine screenshot or bank PDF carries these. A tag counts
/// where a browser would read one: its name ends at white space, `/`, `>` (or `?`).
fn hides_markup(bytes: &[u8]) -> bool {
    const TAGS: [&[u8]; 6] = [
        b"<script",
        b"<html",
        b"<svg",
        b"<!doctype",
        b"<?xml",
        b"<iframe",
    ];
    const TAG_ENDS: &[u8] = b" \t\n\r\x0c/>?";
    let lower: Vec<u8> = bytes.iter().map(|b| b.to_ascii_lowercase()).collect();
    TAGS.iter().any(|m| has_word(&lower, m, TAG_ENDS))
        || lower.windows(11).any(|w| w == b"javascript:")
}

/// Whether the PDF name `name` (like `/JS`) is used in the file's object syntax: as a whole
/// name (ended by white space or a delimiter) outside stream bodies, which hold compressed
/// fonts and pictures. (Any script action also needs `/S /JavaScript`, checked over the
/// whole file.)
fn pdf_uses_name(bytes: &[u8], name: &[u8]) -> bool {
    const ENDS: &[u8] = PDF_ENDS;
    // The `stream` keyword (not `endstream`) and its end of line open a body.
    let opens = |hay: &[u8], i: usize| {
        (hay[i..].starts_with(b"stream\n") || hay[i..].starts_with(b"stream\r"))
            && !hay[..i].ends_with(b"end")
    };
    let mut rest = bytes;
    loop {
        let Some(start) = (0..rest.len()).find(|&i| opens(rest, i)) else {
            return has_word(rest, name, ENDS);
        };
        if has_word(&rest[..start], name, ENDS) {
            return true;
        }
        let after = &rest[start + 7..];
        match after.windows(9).position(|w| w == b"endstream") {
            Some(end) => rest = &after[end + 9..],
            None => return false,
        }
    }
}

/// PDF white space and delimiters (PDF 32000-1 §7.2.2): they end a name.
const PDF_ENDS: &[u8] = b"\0\t\n\x0c\r ()<>[]{}/%";

/// The file with every name's `#xx` escapes decoded (PDF 32000-1 §7.3.5: `/#4A#61vaScript`
/// *is* `/JavaScript`, `/#4Caunch` is `/Launch`), so names are judged as a PDF reader reads
/// them. Only inside names (after `/`, up to white space or a delimiter), and only escapes
/// that decode to a regular character: an escaped delimiter (`/A#2FJS`) is part of a name
/// that cannot equal any name we look for, and decoding it would split one name in two.
fn pdf_decode_names(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut in_name = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'/' {
            in_name = true;
        } else if PDF_ENDS.contains(&b) {
            in_name = false;
        } else if in_name && b == b'#' {
            let pair = (
                bytes.get(i + 1).and_then(|&h| hex(h)),
                bytes.get(i + 2).and_then(|&l| hex(l)),
            );
            if let (Some(h), Some(l)) = pair {
                let c = h * 16 + l;
                if !PDF_ENDS.contains(&c) && c != b'#' {
                    out.push(c);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Bytes after the format's own end: where a polyglot keeps its second file.
fn trailing_data(bytes: &[u8], ctype: &str) -> bool {
    let rest = match ctype {
        "image/jpeg" => bytes
            .windows(2)
            .rposition(|w| w == [0xFF, 0xD9])
            .map(|i| &bytes[i + 2..]),
        "image/png" => bytes
            .windows(8)
            .rposition(|w| w == b"IEND\xAE\x42\x60\x82")
            .map(|i| &bytes[i + 8..]),
        "image/webp" => {
            let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
            let end = (8 + declared + (declared & 1)).min(bytes.len());
            Some(&bytes[end..])
        }
        _ => Some(&bytes[..0]),
    };
    match rest {
        // Some cameras pad with zeros; anything else is a second payload.
        Some(r) => r.iter().any(|b| *b != 0 && *b != b'\n' && *b != b'\r'),
        None => true,
    }
}

/// Decides what an upload is, or refuses it with a message for the shopper.
pub fn judge(bytes: &[u8], max_bytes: u64) -> Result<&'static str> {
    if bytes.len() as u64 > max_bytes {
        return Err(Error::new(
            Kind::PayloadTooLarge,
            format!(
                "This file is too large. The limit is {} MB.",
                max_bytes / (1024 * 1024)
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(Error::bad_request(
            "The file is empty. ".to_string() + KINDS,
        ));
    }
    let ctype = images::sniff(bytes).ok_or_else(|| refuse(KINDS))?;
    if ctype == "application/pdf" {
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        if !has(tail, b"%%EOF") || !has(bytes, b"startxref") {
            return Err(Error::bad_request(
                "This PDF could not be read. It may be damaged or incomplete.",
            ));
        }
        // Judged on the decoded names: hex escapes are how a script hides from a plain
        // byte search while every PDF reader still runs it.
        let names = pdf_decode_names(bytes);
        if has(&names, b"/JavaScript") || pdf_uses_name(&names, b"/JS") || has(&names, b"/Launch") {
            return Err(refuse(
                "This PDF contains scripts, which we do not accept. Please upload a screenshot instead.",
            ));
        }
    } else {
        images::verify(bytes)?;
        if trailing_data(bytes, ctype) {
            return Err(refuse(
                "This file has extra data hidden after the picture. Please upload a plain screenshot.",
            ));
        }
    }
    if hides_markup(bytes) {
        return Err(refuse(
            "This file contains web page code, which we do not accept. Please upload a plain screenshot.",
        ));
    }
    Ok(ctype)
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("proofs")
}

fn extension(ctype: &str) -> &'static str {
    match ctype {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "pdf",
    }
}

/// Judges and stores an upload; returns what to record. The caller removes the file
/// (`discard`) if its transaction then fails.
pub fn store(data_dir: &Path, bytes: &[u8], max_bytes: u64) -> Result<Stored> {
    let content_type = judge(bytes, max_bytes)?;
    let dir = dir(data_dir);
    std::fs::create_dir_all(&dir)?;
    let name = format!("{}.{}", crypto::token(), extension(content_type));
    crate::files::write_atomic(&dir.join(&name), bytes)?;
    Ok(Stored {
        name,
        content_type,
        size: bytes.len() as i64,
        sha256: crypto::sha256(bytes),
    })
}

pub fn discard(data_dir: &Path, stored: &Stored) {
    let _ = std::fs::remove_file(dir(data_dir).join(&stored.name));
}

/// The bytes of a stored proof. Names come from the database (server-made), and are
/// checked again so no path can ever leave the proofs directory.
pub fn read(data_dir: &Path, name: &str) -> Result<Vec<u8>> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        || name.starts_with('.')
    {
        return Err(Error::not_found("There is no such file."));
    }
    std::fs::read(dir(data_dir).join(name))
        .map_err(|e| Error::not_found("There is no such file.").with_detail(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(4, 4, image::Rgb([200, 10, 10]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn judges_by_bytes() {
        let ok = png();
        assert_eq!(judge(&ok, 1 << 20).unwrap(), "image/png");
        // Renamed text, HTML, SVG: refused as unsupported (415).
        for bad in [
            &b"hello, this is my receipt"[..],
            b"<!doctype html><script>alert(1)</script>",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        ] {
            assert_eq!(judge(bad, 1 << 20).unwrap_err().status(), 415);
        }
        // A PNG with an HTML page after IEND: a polyglot.
        let mut poly = ok.clone();
        poly.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(judge(&poly, 1 << 20).unwrap_err().status(), 415);
        // A truncated PNG: 400.
        assert_eq!(
            judge(&ok[..ok.len() / 2], 1 << 20).unwrap_err().status(),
            400
        );
        // Over the size limit: 413.
        assert_eq!(judge(&ok, 10).unwrap_err().status(), 413);
        // PDFs: structure checked, scripts refused.
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\nstartxref\n0\n%%EOF\n";
        assert_eq!(judge(pdf, 1 << 20).unwrap(), "application/pdf");
        assert_eq!(judge(b"%PDF-1.4 cut", 1 << 20).unwrap_err().status(), 400);
        let js = b"%PDF-1.4\n<</S/JavaScript/JS(app.alert(1))>>\nstartxref\n0\n%%EOF\n";
        assert_eq!(judge(js, 1 << 20).unwrap_err().status(), 415);
    }

    fn pdf(body: &str) -> Vec<u8> {
        format!("%PDF-1.4\n1 0 obj\n{body}\nendobj\nstartxref\n0\n%%EOF\n").into_bytes()
    }

    /// Issue 9: names spelled with `#xx` escapes are the same names to a PDF reader, so
    /// every refused name is refused in every spelling (upper- and lower-case hex, one
    /// escaped letter or all of them), and a plain spelling is still refused.
    #[test]
    fn hex_escaped_script_names_are_refused() {
        let spellings = [
            // /JavaScript
            "<</S/JavaScript/JS(x)>>",
            "<</S/#4A#61vaScript>>",
            "<</S/#4a#61#76#61#53#63#72#69#70#74>>",
            "<</S /Java#53cript>>",
            "<</S/JavaScrip#74>>",
            // /JS
            "<</Type/Action/#4AS(app.alert(1))>>",
            "<</Type/Action/J#53 (app.alert(1))>>",
            "<</Type/Action/#4a#53<616c657274>>>",
            // /Launch
            "<</S/#4Caunch/F(cmd.exe)>>",
            "<</S/L#61#75#6E#63#68/F(cmd.exe)>>",
            "<</S/#4c#41#55#4e#43#48>>/Launc#68",
        ];
        for body in spellings {
            let e = judge(&pdf(body), 1 << 20).unwrap_err();
            assert_eq!(e.status(), 415, "{body}: {e}");
            assert!(e.public.contains("scripts"), "{body}: {}", e.public);
        }
        // What decodes to something else stays allowed: an escaped delimiter, `#` in a
        // string (not a name), and an ordinary escaped name.
        for body in [
            "<</S/Java#2FScript>>",
            "<</Title(#4A#53 #4Caunch)>>",
            "<</Author/Anna#20Rao/Name/A#23JS>>",
            "<</Type/Catalog/Pages 2 0 R>>",
        ] {
            assert_eq!(
                judge(&pdf(body), 1 << 20).unwrap(),
                "application/pdf",
                "{body}"
            );
        }
        assert_eq!(pdf_decode_names(b"/#4A#61vaScript"), b"/JavaScript");
        assert_eq!(pdf_decode_names(b"(#4A) /#4"), b"(#4A) /#4");
    }

    #[test]
    fn stored_under_a_server_name_and_read_back_only_by_safe_names() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path(), &png(), 1 << 20).unwrap();
        assert!(s.name.ends_with(".png") && s.name.len() > 40);
        assert_eq!(read(dir.path(), &s.name).unwrap(), png());
        assert!(read(dir.path(), "../store.db").is_err());
        assert!(read(dir.path(), ".hidden").is_err());
        discard(dir.path(), &s);
        assert!(read(dir.path(), &s.name).is_err());
    }
}
