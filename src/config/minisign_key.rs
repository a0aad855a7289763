//! The minisign public key file format: a comment line, then base64 of
//! `"Ed"` (the algorithm), an 8-byte key id and a 32-byte Ed25519 key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A parsed minisign public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignPublicKey {
    /// As minisign stores it (little-endian); minisign shows it as uppercase hex of the
    /// reversed bytes.
    pub key_id: [u8; 8],
    pub key: [u8; 32],
}

impl MinisignPublicKey {
    /// Parses a public key file's text. Errors say which line is wrong and what is expected.
    pub fn parse(text: &str) -> Result<MinisignPublicKey, String> {
        let mut lines = text.lines();
        let comment = lines.next().unwrap_or_default();
        if !comment.starts_with("untrusted comment:") {
            return Err(
                "line 1 must start with `untrusted comment:`; expected a minisign public key file"
                    .to_string(),
            );
        }
        let encoded = lines.next().unwrap_or_default().trim();
        Self::parse_base64(encoded).map_err(|e| format!("line 2 {e}"))
    }

    /// Parses the key's base64 line alone, as pinned in site.toml.
    pub fn parse_base64(encoded: &str) -> Result<MinisignPublicKey, String> {
        let bytes = STANDARD.decode(encoded).map_err(|_| {
            "is not base64; expected the base64 of a minisign Ed25519 public key".to_string()
        })?;
        if bytes.len() != 42 || !bytes.starts_with(b"Ed") {
            return Err(format!(
                "decodes to {} bytes; expected 42 bytes starting with \"Ed\" (a minisign Ed25519 public key)",
                bytes.len()
            ));
        }
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[2..10]);
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[10..42]);
        Ok(MinisignPublicKey { key_id, key })
    }

    /// The base64 line of the key, as minisign writes it and site.toml pins it.
    pub fn to_base64(&self) -> String {
        let mut bytes = Vec::with_capacity(42);
        bytes.extend_from_slice(b"Ed");
        bytes.extend_from_slice(&self.key_id);
        bytes.extend_from_slice(&self.key);
        STANDARD.encode(bytes)
    }

    /// The key id as `minisign` prints it.
    pub fn key_id_hex(&self) -> String {
        key_id_hex(&self.key_id)
    }
}

/// A minisign key id (8 bytes as stored, little-endian) as `minisign` prints it: 16 uppercase
/// hex digits.
pub fn key_id_hex(key_id: &[u8; 8]) -> String {
    format!("{:016X}", u64::from_le_bytes(*key_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_key_written_by_minisign() {
        // Key pair from minisign's own documentation (public key id E7620F1842B4E81F).
        let text = "untrusted comment: minisign public key E7620F1842B4E81F\n\
                    RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\n";
        let key = MinisignPublicKey::parse(text).unwrap();
        assert_eq!(key.key_id_hex(), "E7620F1842B4E81F");
    }

    #[test]
    fn rejects_wrong_lengths_and_algorithms() {
        let short = format!("untrusted comment: x\n{}\n", STANDARD.encode(b"Ed1234"));
        assert!(
            MinisignPublicKey::parse(&short)
                .unwrap_err()
                .contains("6 bytes")
        );
        let wrong_alg = format!("untrusted comment: x\n{}\n", STANDARD.encode([b'E'; 42]));
        assert!(MinisignPublicKey::parse(&wrong_alg).is_err());
        assert!(MinisignPublicKey::parse("").is_err());
        assert!(MinisignPublicKey::parse("untrusted comment: x\n!!!\n").is_err());
    }
}
