//! Product images: from an uploaded (or generated) picture to the four lossy WebP files the
//! shop serves — `full` (longest side ≤ 1600 px), 600 px and 160 px wide, and a 24 px
//! placeholder that is inlined as a data URI while the real image loads. This module owns
//! the untrusted-input side too: format sniffing by magic bytes, decode limits against
//! decompression bombs, and EXIF orientation. Processing is CPU-heavy (a few hundred ms for a
//! large photo), so callers run it off the request thread.

use std::io::Cursor;

use base64::Engine as _;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};

use crate::error::{Error, Kind};
use crate::shop::catalog::decode_gate::{self, Permit};

/// Longest side of the stored `full` image; larger uploads are scaled down, never up.
pub const FULL_MAX_SIDE: u32 = 1600;
/// Widths of the derived variants.
pub const MEDIUM_WIDTH: u32 = 600;
pub const THUMB_WIDTH: u32 = 160;
pub const PLACEHOLDER_WIDTH: u32 = 24;
/// WebP quality for the visible sizes; the placeholder is blurred by the browser anyway, so
/// it can be much rougher (it is inlined into every listing page).
pub const QUALITY: f32 = 80.0;
pub const PLACEHOLDER_QUALITY: f32 = 40.0;

/// Decode limits, from the shared gate (see `decode_gate` for why these numbers): the side
/// and pixel count are judged from the header before decoding; the allocation cap is the
/// decoder's own second fence.
pub const MAX_DECODE_SIDE: u32 = decode_gate::MAX_SIDE;
pub const MAX_DECODE_ALLOC: u64 = decode_gate::MAX_ALLOC;

/// libwebp refuses anything larger than this on either side.
const WEBP_MAX_DIMENSION: u32 = 16383;

const UNSUPPORTED: &str = "Upload a JPEG, PNG or WebP image";

/// The four encoded variants of one picture. `width`/`height` are those of `full`, which is
/// what the page needs for `width`/`height` attributes (no layout shift).
#[derive(Debug, Clone)]
pub struct ImageSet {
    pub width: u32,
    pub height: u32,
    pub full: Vec<u8>,
    pub w600: Vec<u8>,
    pub w160: Vec<u8>,
    pub placeholder: Vec<u8>,
}

/// The MIME type of `bytes`, judged by magic bytes only. File names and client-sent
/// `Content-Type` headers are attacker-controlled, so they are never consulted.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        // Only the payment-proof upload accepts PDFs; `process` refuses them.
        Some("application/pdf")
    } else {
        None
    }
}

/// Decode an uploaded image (JPEG, PNG or WebP) and produce its [`ImageSet`].
///
/// Every failure caused by the bytes themselves is a 4xx: unknown format → 415, declared
/// dimensions or memory over the limits → 413, damaged or truncated data → 400.
pub fn process(bytes: &[u8]) -> Result<ImageSet, Error> {
    let format = match sniff(bytes) {
        Some("image/jpeg") => ImageFormat::Jpeg,
        Some("image/png") => ImageFormat::Png,
        Some("image/webp") => ImageFormat::WebP,
        _ => return Err(Error::new(Kind::UnsupportedMedia, UNSUPPORTED)),
    };
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(truncated());
    }
    // The permit is held through resizing and encoding too: the decoded picture (and its
    // RGB copy) stay in memory until then.
    let (img, _permit) = decode(bytes, format)?;
    process_image(img)
}

/// Checks that `bytes` really are the picture their magic bytes claim: the full decode
/// under the same limits as catalog images, and (for JPEG) no cut-off end. Used for
/// payment proofs, which are kept as uploaded rather than re-encoded.
pub fn verify(bytes: &[u8]) -> Result<(), Error> {
    let format = match sniff(bytes) {
        Some("image/jpeg") => ImageFormat::Jpeg,
        Some("image/png") => ImageFormat::Png,
        Some("image/webp") => ImageFormat::WebP,
        _ => return Err(Error::new(Kind::UnsupportedMedia, UNSUPPORTED)),
    };
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(truncated());
    }
    decode(bytes, format).map(|_| ())
}

/// Decode with limits applied *before* any pixel buffer is allocated, then apply the EXIF
/// orientation so portrait phone photos are not shown sideways. The header's dimensions are
/// judged first (a bomb is refused without waiting for, or taking, a decode permit); then
/// the decode waits for one of the shared permits, returned with the picture so the caller
/// holds it while the pixels are in memory.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<(DynamicImage, Permit<'static>), Error> {
    // The format comes from our own sniffing rather than `with_guessed_format`, so the
    // decoder is always the one the magic bytes promised.
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    // Building the decoder reads only the header (this is what `into_dimensions` does).
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    decode_gate::check_size(width, height)?;
    let permit = decode_gate::DECODES.acquire()?;
    // A broken EXIF block should not cost the shopkeeper the whole upload.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    img.apply_orientation(orientation);
    Ok((img, permit))
}

/// The JPEG decoder happily fills a cut-off file with grey, so check that the end-of-image
/// marker follows the last start-of-scan. Neither marker can occur inside entropy-coded data
/// (0xFF is always stuffed there), and searching for the *last* SOS skips an embedded EXIF
/// thumbnail, which carries its own SOS…EOI.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| {
        bytes
            .windows(2)
            .rposition(|w| w[0] == 0xFF && w[1] == marker)
    };
    match (last(0xDA), last(0xD9)) {
        (Some(sos), Some(eoi)) => eoi > sos,
        _ => false,
    }
}

fn truncated() -> Error {
    Error::bad_request("This image could not be read. It may be damaged or incomplete.")
}

fn decode_error(e: ImageError) -> Error {
    match e {
        ImageError::Limits(_) => Error::new(
            Kind::PayloadTooLarge,
            format!(
                "This picture is too large to process. The largest we accept is {} megapixels \
                 and {MAX_DECODE_SIDE} pixels on a side; please send a smaller screenshot or photo.",
                decode_gate::MAX_PIXELS / 1_000_000
            ),
        ),
        ImageError::Unsupported(_) => Error::new(Kind::UnsupportedMedia, UNSUPPORTED),
        // I/O errors here come from a cursor running out of data: a truncated file.
        ImageError::Decoding(_) | ImageError::IoError(_) | ImageError::Parameter(_) => truncated(),
        ImageError::Encoding(_) => Error::internal(&e),
    }
    .with_detail(format!("image decode: {e}"))
}

/// Produce the [`ImageSet`] from an already decoded picture. The demo loader calls this
/// directly with generated artwork, skipping an encode/decode round trip.
pub fn process_image(img: DynamicImage) -> Result<ImageSet, Error> {
    if img.width() == 0 || img.height() == 0 {
        return Err(Error::bad_request("This image is empty."));
    }
    let rgb = DynamicImage::ImageRgb8(flatten(img));
    let full = fit_within(rgb, FULL_MAX_SIDE);
    // Each size is derived from the previous one: the chain is several times cheaper than
    // resizing the full image three times, and loses nothing visible.
    let w600 = to_width(&full, MEDIUM_WIDTH);
    let w160 = to_width(&w600, THUMB_WIDTH);
    let w24 = to_width(&w160, PLACEHOLDER_WIDTH);
    let webp = |img: &DynamicImage, q: f32| match img.as_rgb8() {
        Some(rgb) => encode_webp(rgb, q),
        None => Err(Error::internal(
            "image pipeline: expected RGB8 after flatten",
        )),
    };
    Ok(ImageSet {
        width: full.width(),
        height: full.height(),
        full: webp(&full, QUALITY)?,
        w600: webp(&w600, QUALITY)?,
        w160: webp(&w160, QUALITY)?,
        placeholder: webp(&w24, PLACEHOLDER_QUALITY)?,
    })
}

/// RGB on white: transparent product cut-outs would otherwise turn black in lossy WebP
/// without alpha, and the shop's pages are light.
fn flatten(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for px in rgba.as_raw().chunks_exact(4) {
        let a = u32::from(px[3]);
        let white = 255 * (255 - a) + 127;
        // Integer "over" onto white, rounded: (c·a + 255·(255 − a)) / 255.
        out.push(((u32::from(px[0]) * a + white) / 255) as u8);
        out.push(((u32::from(px[1]) * a + white) / 255) as u8);
        out.push(((u32::from(px[2]) * a + white) / 255) as u8);
    }
    RgbImage::from_raw(w, h, out).unwrap_or_default()
}

// Resizing goes through `DynamicImage` methods on purpose: those are compiled inside the
// `image` crate (optimised even in dev builds), whereas calling the generic
// `imageops::resize` would instantiate it here, unoptimised — ~50× slower in a debug build.
//
// Filter choice: for reductions of 1.5× or more, `thumbnail_exact` (integer area averaging)
// is 5× faster than image 0.25's float CatmullRom (15 vs 80 ms CPU for 900→600) and, with
// each output pixel averaging at least 1.5 source pixels, shows no aliasing. Gentler
// reductions, where block averaging would shimmer on fine fabric, use CatmullRom.

fn shrink(img: &DynamicImage, nw: u32, nh: u32) -> DynamicImage {
    if u64::from(img.width()) * 2 >= u64::from(nw) * 3 {
        img.thumbnail_exact(nw, nh)
    } else {
        img.resize_exact(nw, nh, FilterType::CatmullRom)
    }
}

/// Scale down so the longest side is at most `max`; never upscale.
fn fit_within(img: DynamicImage, max: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    if w.max(h) <= max {
        return img;
    }
    let (nw, nh) = if w >= h {
        (max, scaled(h, max, w))
    } else {
        (scaled(w, max, h), max)
    };
    shrink(&img, nw, nh)
}

/// Scale down to `width` keeping the aspect ratio; a narrower image is kept as it is.
fn to_width(img: &DynamicImage, width: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    if w <= width {
        return img.clone();
    }
    shrink(img, width, scaled(h, width, w))
}

/// `v · num / den`, rounded, at least 1 (a 8000×1 banner must not become 600×0).
fn scaled(v: u32, num: u32, den: u32) -> u32 {
    let r = (u64::from(v) * u64::from(num) + u64::from(den) / 2) / u64::from(den);
    r.clamp(1, u64::from(u32::MAX)) as u32
}

/// Lossy WebP via libwebp's simple API. `quality` is 0–100.
pub fn encode_webp(img: &RgbImage, quality: f32) -> Result<Vec<u8>, Error> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || w > WEBP_MAX_DIMENSION || h > WEBP_MAX_DIMENSION {
        return Err(Error::internal(format!(
            "webp encode: unsupported size {w}×{h}"
        )));
    }
    let pixels: &[u8] = img.as_raw();
    let stride = w as usize * 3;
    if pixels.len() < stride * h as usize {
        return Err(Error::internal(
            "webp encode: pixel buffer shorter than image",
        ));
    }
    let quality = if quality.is_finite() {
        quality.clamp(0.0, 100.0)
    } else {
        QUALITY
    };
    let mut out: *mut u8 = std::ptr::null_mut();
    // SAFETY: `pixels` is a live, initialised buffer of at least `stride * h` bytes laid out
    // as packed RGB rows of `stride` bytes (checked above), and w, h ≤ 16383 so the `as i32`
    // casts are lossless. libwebp only reads it and writes a freshly `WebPMalloc`ed buffer
    // pointer into `out`; it keeps no reference after returning.
    let len = unsafe {
        libwebp_sys::WebPEncodeRGB(
            pixels.as_ptr(),
            w as i32,
            h as i32,
            stride as i32,
            quality,
            &mut out,
        )
    };
    if out.is_null() {
        return Err(Error::internal("webp encode: libwebp returned no buffer"));
    }
    let result = if len == 0 {
        Err(Error::internal("webp encode: libwebp produced no output"))
    } else {
        // SAFETY: on success libwebp returns a non-null buffer holding `len` initialised
        // bytes; we copy them out before freeing it below.
        Ok(unsafe { std::slice::from_raw_parts(out, len) }.to_vec())
    };
    // SAFETY: `out` was allocated by libwebp (WebPMalloc) and is freed exactly once, with the
    // matching deallocator; no slice into it outlives this point.
    unsafe { libwebp_sys::WebPFree(out.cast()) };
    result
}

/// An inline `data:` URI for a (small) WebP, used for the blurred placeholder.
pub fn data_uri(webp: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(webp);
    format!("data:image/webp;base64,{b64}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A photo-like test picture: smooth gradients plus some texture, so the encoders see
    /// realistic content rather than a flat colour.
    fn sample(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let fx = x as f32 / w as f32;
            let fy = y as f32 / h as f32;
            let ring = ((fx - 0.5).hypot(fy - 0.5) * 40.0).sin() * 20.0;
            image::Rgb([
                (200.0 * fx + 30.0 + ring) as u8,
                (180.0 * fy + 40.0) as u8,
                (120.0 + ring * 2.0) as u8,
            ])
        })
    }

    fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn is_webp(b: &[u8]) -> bool {
        b.len() > 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP"
    }

    fn webp_size(b: &[u8]) -> (u32, u32) {
        let img = image::load_from_memory_with_format(b, ImageFormat::WebP).unwrap();
        (img.width(), img.height())
    }

    fn check_set(set: &ImageSet) {
        assert_eq!((set.width, set.height), (1600, 1200));
        for b in [&set.full, &set.w600, &set.w160, &set.placeholder] {
            assert!(is_webp(b), "not a WebP: {:?}", &b[..b.len().min(16)]);
        }
        assert_eq!(webp_size(&set.full), (1600, 1200));
        assert_eq!(webp_size(&set.w600), (600, 450));
        assert_eq!(webp_size(&set.w160), (160, 120));
        assert_eq!(webp_size(&set.placeholder), (24, 18));
        assert!(
            set.w600.len() < 40_000,
            "600 px is {} bytes",
            set.w600.len()
        );
        assert!(set.placeholder.len() < 1_000);
    }

    fn timed_process(label: &str, bytes: &[u8]) -> ImageSet {
        let t = Instant::now();
        let set = process(bytes).unwrap();
        println!(
            "process({label}, {} KB): {:?} → full {} KB, 600 {} KB, 160 {} B, 24 {} B",
            bytes.len() / 1024,
            t.elapsed(),
            set.full.len() / 1024,
            set.w600.len() / 1024,
            set.w160.len(),
            set.placeholder.len()
        );
        set
    }

    #[test]
    fn png_and_jpeg_become_four_webps() {
        let img = DynamicImage::ImageRgb8(sample(2000, 1500));
        let png = encode(&img, ImageFormat::Png);
        let jpeg = encode(&img, ImageFormat::Jpeg);
        assert_eq!(sniff(&png), Some("image/png"));
        assert_eq!(sniff(&jpeg), Some("image/jpeg"));
        check_set(&timed_process("2000×1500 png", &png));
        check_set(&timed_process("2000×1500 jpeg", &jpeg));
    }

    #[test]
    fn webp_and_alpha_input_and_small_images_are_not_upscaled() {
        // Transparent PNG: alpha is composited onto white.
        let rgba =
            image::RgbaImage::from_fn(300, 200, |x, _| image::Rgba([0, 0, 0, (x % 2) as u8]));
        let set = process(&encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png)).unwrap();
        assert_eq!((set.width, set.height), (300, 200));
        assert_eq!(webp_size(&set.w600), (300, 200));
        assert_eq!(webp_size(&set.w160), (160, 107));
        let px = image::load_from_memory(&set.w600).unwrap().to_rgb8();
        assert!(
            px.get_pixel(150, 100)[0] > 240,
            "alpha not flattened onto white"
        );
        // Our own WebP output is a valid upload too.
        let again = process(&set.full).unwrap();
        assert_eq!((again.width, again.height), (300, 200));
        assert!(data_uri(&set.placeholder).starts_with("data:image/webp;base64,UklGR"));
    }

    #[test]
    fn sniff_by_magic_bytes_only() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn non_images_are_refused_with_415() {
        let inputs: [&[u8]; 4] = [
            b"just some text, saved as photo.png\n",
            b"<!doctype html><html><body><script>alert(1)</script></body></html>",
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\"/>",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        ];
        for bytes in inputs {
            let e = process(bytes).unwrap_err();
            assert_eq!(e.kind, Kind::UnsupportedMedia);
            assert_eq!(e.status(), 415);
            assert_eq!(e.public, UNSUPPORTED);
        }
    }

    /// CRC-32 (IEEE) as used by PNG chunks, so the patched header is otherwise valid and the
    /// refusal really comes from the limits.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_bomb(w: u32, h: u32) -> Vec<u8> {
        let mut png = encode(
            &DynamicImage::ImageRgb8(RgbImage::new(1, 1)),
            ImageFormat::Png,
        );
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&w.to_be_bytes());
        png[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn decompression_bomb_is_refused_without_allocating() {
        for (w, h) in [(60_000, 60_000), (50_000, 10), (10, 9000)] {
            let e = process(&png_bomb(w, h)).unwrap_err();
            assert_eq!(e.kind, Kind::PayloadTooLarge, "{w}×{h}: {e}");
            assert!(e.public.contains("too large"), "{}", e.public);
        }
        // Within the side limit but over the memory cap would be 7000×7000×… — the side limit
        // is the one that bites first for PNG; a plausible size with a tiny IDAT is simply a
        // damaged file.
        let e = process(&png_bomb(4000, 3000)).unwrap_err();
        assert!((400..500).contains(&e.status()), "{e}");
    }

    /// Issue 9: an 8000×8000 picture is within the side limit but is 64 megapixels (the
    /// 249 KB PNG that cost ~300 MB per upload). Every caller that decodes an upload goes
    /// through `decode`: `process` (product images, banners) and `verify` (payment proofs);
    /// both refuse it from the header with its size in the message, and a 12 MP phone
    /// photo's header gets through to the decoder (here: a damaged body, so 400).
    #[test]
    fn pixel_count_bomb_is_refused_from_the_header_by_every_caller() {
        let bomb = png_bomb(8000, 8000);
        for (who, e) in [
            ("process", process(&bomb).unwrap_err()),
            ("verify", verify(&bomb).unwrap_err()),
        ] {
            assert_eq!(e.status(), 413, "{who}: {e}");
            assert!(
                e.public.contains("8000 × 8000 pixels") && e.public.contains("40 megapixels"),
                "{who}: {}",
                e.public
            );
        }
        for (w, h) in [(4032, 3024), (3024, 4032)] {
            let e = verify(&png_bomb(w, h)).unwrap_err();
            assert_eq!(e.status(), 400, "{w}×{h}: {e}");
        }
    }

    #[test]
    fn truncated_and_damaged_files_are_400() {
        let img = DynamicImage::ImageRgb8(sample(400, 300));
        let jpeg = encode(&img, ImageFormat::Jpeg);
        for cut in [4, 40, jpeg.len() / 3] {
            let e = process(&jpeg[..cut]).unwrap_err();
            assert!((400..500).contains(&e.status()), "cut {cut}: {e}");
        }
        let png = encode(&img, ImageFormat::Png);
        let e = process(&png[..png.len() / 2]).unwrap_err();
        assert!((400..500).contains(&e.status()), "{e}");
        let e = process(b"RIFF\x10\0\0\0WEBPVP8 garbage").unwrap_err();
        assert!((400..500).contains(&e.status()), "{e}");
    }

    #[test]
    fn encode_webp_rejects_empty() {
        assert!(encode_webp(&RgbImage::new(0, 0), 80.0).is_err());
        let one = encode_webp(&RgbImage::new(1, 1), 80.0).unwrap();
        assert!(is_webp(&one));
    }
}
