//! The operator keys a verification trusts, and the minisign checks against them.

use std::io::Cursor;

use minisign::{PublicKey, SignatureBox};
use serde::Deserialize;

use super::keys::key_id;
use crate::core::journal::{SignatureChecker, SignatureVerdict};

struct TrustedKey {
    operator: String,
    key: PublicKey,
    key_id: String,
    /// Replaced by a key rotation: still good for what it signed before, not after.
    retired: bool,
}

/// Operator keys trusted for signatures (several per operator are allowed, e.g. a retired
/// key kept so that older entries still verify). Key rotation entries add keys as verification
/// walks the journal.
pub struct TrustedKeys {
    keys: Vec<TrustedKey>,
}

/// Payload of a `key_rotation` entry, signed with the operator's current key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotationPayload {
    /// The new public key, base64 as on line 2 of a minisign `.pub` file.
    pub new_public_key: String,
    pub new_key_id: String,
}

impl TrustedKeys {
    pub fn new(keys: &[(String, PublicKey)]) -> Self {
        let keys = keys
            .iter()
            .map(|(operator, key)| TrustedKey {
                operator: operator.clone(),
                key: key.clone(),
                key_id: key_id(key.keynum()),
                retired: false,
            })
            .collect();
        TrustedKeys { keys }
    }

    /// Verifies a detached prehashed signature by any trusted key (checkpoints). Returns the
    /// signing operator and the signature's trusted comment.
    pub fn verify_any(
        &self,
        message: &[u8],
        signature: &str,
    ) -> Result<(String, String), SignatureVerdict> {
        let signature = parse(signature)?;
        let id = key_id(signature.keynum());
        let key = self
            .keys
            .iter()
            .find(|k| k.key_id == id)
            .ok_or(SignatureVerdict::UnknownSigner { key_id: id })?;
        verify(&key.key, &signature, message)?;
        let comment = signature
            .trusted_comment()
            .map_err(|e| SignatureVerdict::Invalid {
                reason: e.to_string(),
            })?;
        Ok((key.operator.clone(), comment))
    }
}

fn parse(signature: &str) -> Result<SignatureBox, SignatureVerdict> {
    SignatureBox::from_string(signature).map_err(|e| SignatureVerdict::Invalid {
        reason: format!("unreadable signature: {e}"),
    })
}

fn verify(
    key: &PublicKey,
    signature: &SignatureBox,
    message: &[u8],
) -> Result<(), SignatureVerdict> {
    // Legacy (non-prehashed) signatures are refused, as `minisign -VH` does.
    minisign::verify(key, signature, Cursor::new(message), true, false, false).map_err(|e| {
        SignatureVerdict::Invalid {
            reason: e.to_string(),
        }
    })
}

impl SignatureChecker for TrustedKeys {
    fn check(&mut self, operator: &str, statement: &[u8], signature: &str) -> SignatureVerdict {
        let raw = signature;
        let signature = match parse(signature) {
            Ok(signature) => signature,
            Err(verdict) => return verdict,
        };
        let id = key_id(signature.keynum());
        let Some(key) = self.keys.iter().find(|k| k.key_id == id) else {
            return SignatureVerdict::UnknownSigner { key_id: id };
        };
        if key.operator != operator {
            return SignatureVerdict::WrongSigner {
                key_id: id,
                owner: key.operator.clone(),
            };
        }
        if key.retired {
            return SignatureVerdict::WrongSigner {
                key_id: id,
                owner: format!("{operator}, retired by a key rotation"),
            };
        }
        if let Err(verdict) = verify(&key.key, &signature, statement) {
            return verdict;
        }
        // minisign leaves the untrusted comment and the encoding unauthenticated: hold the
        // stored text to the exact form we write, so no byte of a row can change unnoticed.
        let canonical = signature
            .untrusted_comment()
            .is_ok_and(|c| c == entry_untrusted_comment(operator, &id))
            && signature.into_string() == raw;
        if canonical {
            SignatureVerdict::Valid
        } else {
            SignatureVerdict::Invalid {
                reason: "the signature text was altered outside its signed parts".to_string(),
            }
        }
    }

    fn rotate(&mut self, operator: &str, payload: &str) -> Result<(), String> {
        let payload: KeyRotationPayload =
            serde_json::from_str(payload).map_err(|e| format!("payload: {e}"))?;
        let key = PublicKey::from_base64(&payload.new_public_key)
            .map_err(|e| format!("new_public_key: {e}"))?;
        let new_id = key_id(key.keynum());
        if new_id != payload.new_key_id {
            return Err(format!(
                "new_key_id {} does not match the key's id {new_id}",
                payload.new_key_id
            ));
        }
        if self
            .keys
            .iter()
            .any(|k| k.key_id == new_id && k.operator != operator)
        {
            return Err(format!("key {new_id} already belongs to another operator"));
        }
        for old in self
            .keys
            .iter_mut()
            .filter(|k| k.operator == operator && k.key_id != new_id)
        {
            old.retired = true;
        }
        if !self.keys.iter().any(|k| k.key_id == new_id) {
            self.keys.push(TrustedKey {
                operator: operator.to_string(),
                key,
                key_id: new_id,
                retired: false,
            });
        }
        Ok(())
    }
}

/// The untrusted comment of an entry signature (fixed, so that changing it shows).
pub(super) fn entry_untrusted_comment(operator: &str, key_id: &str) -> String {
    format!("signature from secureupdate operator {operator} key {key_id}")
}

/// The payload for a key rotation entry announcing `new_key`.
pub fn key_rotation_payload(new_key: &PublicKey) -> serde_json::Value {
    serde_json::json!({ "new_public_key": new_key.to_base64(), "new_key_id": key_id(new_key.keynum()) })
}
