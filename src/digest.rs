//! SHA-256 digests written as hex: file fingerprints for the import ledger, resource digests,
//! assessment fingerprints and the rules' stamp. One encoder, so that every digest refract
//! stores reads the same way.

use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    // By table rather than `write!`: the import writes a digest for every resource it reads.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The first 8 bytes of a digest in hex: the length of fingerprints and of the rules' stamp,
/// enough to tell versions apart while staying readable in a table.
pub fn short_hex(digest: &[u8]) -> String {
    hex(&digest[..digest.len().min(8)])
}

/// The first 16 bytes of the SHA-256 of `data` in hex: a content digest that tells a changed
/// resource from an unchanged one without a realistic chance of two colliding.
pub fn content_digest(data: &[u8]) -> String {
    hex(&Sha256::digest(data)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_and_short_hex_takes_eight_bytes() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(short_hex(&[1; 32]), "0101010101010101");
        assert_eq!(content_digest(b"").len(), 32);
    }
}
