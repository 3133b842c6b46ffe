//! Cryptography the store needs, all from ring: random tokens (32 bytes, URL-safe base64),
//! SHA-256 hashes of tokens (only hashes are stored), an HMAC key kept in the database for
//! one-time codes, and a constant-time comparison for CSRF tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac};
use std::sync::OnceLock;

fn rng() -> &'static SystemRandom {
    static RNG: OnceLock<SystemRandom> = OnceLock::new();
    RNG.get_or_init(SystemRandom::new)
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS RNG failing is not recoverable; every token would be weak.
    rng()
        .fill(&mut b)
        .expect("the operating system's random number generator failed");
    b
}

/// A new secret token: 32 random bytes as 43 URL-safe characters.
pub fn token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A random number below `bound` without modulo bias (used for 6-digit codes).
pub fn random_below(bound: u32) -> u32 {
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let v = u32::from_le_bytes(random_bytes::<4>());
        if v < zone {
            return v % bound;
        }
    }
}

/// Bytes as URL-safe base64 without padding (the form of every token).
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of any bytes (file fingerprints, request fingerprints).
pub fn sha256(data: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, data).as_ref().to_vec()
}

/// SHA-256 of a token: what the database stores and looks up.
pub fn token_hash(token: &str) -> Vec<u8> {
    digest::digest(&digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

/// The server's HMAC key (32 bytes kept in the database, made on first use).
#[derive(Clone)]
pub struct Hmac {
    key: hmac::Key,
}

impl Hmac {
    pub fn new(secret: &[u8]) -> Hmac {
        Hmac {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        }
    }
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        hmac::sign(&self.key, msg).as_ref().to_vec()
    }
    /// Constant-time check of a tag made by `sign`.
    pub fn verify(&self, msg: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.key, msg, tag).is_ok()
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of a hex string (either case); None if it is not an even run of hex digits.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | (std::hint::black_box(x ^ y)));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = token();
        let b = token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 32);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        let h = Hmac::new(&[7u8; 32]);
        let tag = h.sign(b"otp\x00a@b\x00123456");
        assert!(h.verify(b"otp\x00a@b\x00123456", &tag));
        assert!(!h.verify(b"otp\x00a@b\x00123457", &tag));
        for _ in 0..1000 {
            assert!(random_below(1_000_000) < 1_000_000);
        }
    }
}
