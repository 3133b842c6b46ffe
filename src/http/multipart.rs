//! multipart/form-data bodies (the payment-proof upload), parsed by multer over the body
//! already read into memory under the handler's size cap. multer is async; the stream here
//! is one ready chunk, so polling with a no-op waker always completes without blocking.
//! Text parts (no file name) get their line endings normalised like form fields
//! (`query::newlines`); file parts are kept byte for byte.

use crate::error::{Error, Kind, Result};
use std::convert::Infallible;
use std::future::Future;
use std::task::{Context, Poll, Waker};

/// One part of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub data: Vec<u8>,
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn bad(e: multer::Error) -> Error {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            Error::new(Kind::PayloadTooLarge, "The upload is too large.")
        }
        multer::Error::UnknownField { .. } => {
            Error::bad_request("The upload has a field this form does not take.")
        }
        other => {
            Error::bad_request("The upload could not be read. Please try again.").with_detail(other)
        }
    }
}

/// Parses `body` sent with `content_type`, accepting only the `allowed` field names and at
/// most `max` bytes in all.
pub fn parse(content_type: &str, body: Vec<u8>, allowed: &[&str], max: u64) -> Result<Vec<Part>> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        Error::new(
            Kind::UnsupportedMedia,
            "Please send the file as multipart/form-data.",
        )
    })?;
    let constraints = multer::Constraints::new()
        .allowed_fields(allowed.to_vec())
        .size_limit(multer::SizeLimit::new().whole_stream(max + 64 * 1024));
    let stream = futures_util::stream::iter([Ok::<Vec<u8>, Infallible>(body)]);
    let mut mp = multer::Multipart::with_constraints(stream, boundary, constraints);
    block_on(async move {
        let mut parts = Vec::new();
        while let Some(field) = mp.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            let mut data = field.bytes().await.map_err(bad)?.to_vec();
            if file_name.is_none() && data.contains(&b'\r') {
                // Only CR bytes change, so valid UTF-8 stays valid and invalid stays lossy.
                data = newline_bytes(&data);
            }
            parts.push(Part {
                name,
                file_name,
                data,
            });
        }
        Ok(parts)
    })
}

/// CRLF and lone CR → LF over raw bytes (a text part is not yet known to be UTF-8).
fn newline_bytes(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\r' {
            out.push(b'\n');
            if b.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_refuses_unknown_ones_and_garbage() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"proof\"; filename=\"../../etc/passwd.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG data\r\n--XyZ--\r\n".to_vec();
        let parts = parse(
            "multipart/form-data; boundary=XyZ",
            body.clone(),
            &["csrf_token", "proof"],
            1 << 20,
        )
        .unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[1].name, "proof");
        assert_eq!(parts[1].data, b"\x89PNG data");
        let e = parse(
            "multipart/form-data; boundary=XyZ",
            body.clone(),
            &["proof"],
            1 << 20,
        )
        .unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(
            parse("text/plain", body.clone(), &["proof"], 1 << 20)
                .unwrap_err()
                .status(),
            415
        );
        // A text part's CRLF becomes LF; a file part keeps its bytes.
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\na\r\nb\rc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"proof\"; filename=\"p.png\"\r\n\r\nx\r\ny\r\n--XyZ--\r\n".to_vec();
        let parts = parse(
            "multipart/form-data; boundary=XyZ",
            body,
            &["alt", "proof"],
            1 << 20,
        )
        .unwrap();
        assert_eq!(parts[0].data, b"a\nb\nc");
        assert_eq!(parts[1].data, b"x\r\ny");
        // Garbage never panics: either no parts or a 400.
        match parse(
            "multipart/form-data; boundary=XyZ",
            b"garbage".to_vec(),
            &["proof"],
            1 << 20,
        ) {
            Ok(parts) => assert!(parts.is_empty()),
            Err(e) => assert_eq!(e.status(), 400),
        }
    }
}
