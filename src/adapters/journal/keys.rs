//! Operator key pairs in minisign's file formats, made and read with the `minisign` crate.
//!
//! The crate prompts on the terminal when its encrypted-key functions get no password, so this
//! module never hands it `None`: unencrypted keys go through its unencrypted functions.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use minisign::{KeyPair, PublicKey, PublicKeyBox, SecretKey, SecretKeyBox};

use super::error::KeyError;

/// Key files are a few hundred bytes; anything far larger is not a key.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// A new key pair as the text of its two files.
#[derive(Clone)]
pub struct KeyPairText {
    pub public: String,
    pub secret: String,
    /// The key id as minisign prints it (16 uppercase hex digits).
    pub key_id: String,
}

/// Makes a key pair; the secret key is password-protected when a password is given.
pub fn generate_keypair(password: Option<&str>) -> Result<KeyPairText, KeyError> {
    let generate = |e: minisign::PError| KeyError::Generate(e.to_string());
    let pair = match password {
        Some("") => return Err(KeyError::EmptyPassword),
        Some(password) => {
            KeyPair::generate_encrypted_keypair(Some(password.to_string())).map_err(generate)?
        }
        None => KeyPair::generate_unencrypted_keypair().map_err(generate)?,
    };
    Ok(KeyPairText {
        public: pair.pk.to_box().map_err(generate)?.into_string(),
        secret: pair.sk.to_box(None).map_err(generate)?.into_string(),
        key_id: key_id(pair.pk.keynum()),
    })
}

/// Writes both files, never over existing ones; the secret key gets mode 0600.
pub fn write_keypair(
    pair: &KeyPairText,
    public_path: &Path,
    secret_path: &Path,
) -> Result<(), KeyError> {
    for path in [public_path, secret_path] {
        if path.exists() {
            return Err(KeyError::Exists {
                path: path.to_path_buf(),
            });
        }
    }
    write_new(secret_path, pair.secret.as_bytes(), 0o600)?;
    write_new(public_path, pair.public.as_bytes(), 0o644).inspect_err(|_| {
        // All or nothing: a secret key without its public half is of no use and would block
        // the next attempt. Best effort; the error that matters is the one returned.
        let _ = fs::remove_file(secret_path);
    })
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io)?;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => KeyError::Exists {
                path: path.to_path_buf(),
            },
            _ => io(source),
        })?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Reads a key file's text, capped: a key file is a few hundred bytes.
pub fn read_small(path: &Path) -> Result<String, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut text = String::new();
    fs::File::open(path)
        .map_err(io)?
        .take(MAX_KEY_FILE)
        .read_to_string(&mut text)
        .map_err(io)?;
    Ok(text)
}

/// Reads a minisign public key file (`untrusted comment:` line, then the base64 key).
pub fn load_public_key(path: &Path) -> Result<PublicKey, KeyError> {
    parse_public_key(&read_small(path)?, &path.display().to_string())
}

/// Parses public key file text; `origin` names it in errors.
pub fn parse_public_key(text: &str, origin: &str) -> Result<PublicKey, KeyError> {
    let format = |detail: String| KeyError::Format {
        origin: origin.to_string(),
        what: "public key",
        detail,
    };
    if !text.starts_with("untrusted comment:") {
        return Err(format(
            "line 1 must start with `untrusted comment:`".to_string(),
        ));
    }
    PublicKey::from_box(PublicKeyBox::from_string(text).map_err(|e| format(e.to_string()))?)
        .map_err(|e| format(e.to_string()))
}

/// Whether a secret key file's text is password-protected (its key derivation is not "none").
pub fn is_password_protected(text: &str, path: &Path) -> Result<bool, KeyError> {
    use base64::Engine as _;
    let unreadable = |detail: &str| KeyError::Format {
        origin: path.display().to_string(),
        what: "secret key",
        detail: detail.to_string(),
    };
    let encoded = text
        .lines()
        .nth(1)
        .ok_or_else(|| unreadable("expected two lines: a comment, then the base64 key"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| unreadable("line 2 is not base64"))?;
    // Layout: signature algorithm (2 bytes), then the key derivation algorithm (2 bytes).
    match bytes.get(2..4) {
        Some([0, 0]) => Ok(false),
        Some(b"Sc") => Ok(true),
        _ => Err(unreadable("unknown key derivation algorithm")),
    }
}

/// An operator's unlocked secret key, ready to sign. Cloned, not unlocked again, when the
/// console hands it to a background rollout.
#[derive(Clone)]
pub struct OperatorSigner {
    operator: String,
    secret: SecretKey,
    public: PublicKey,
}

impl OperatorSigner {
    /// Unlocks `path` with `password` (`None` for an unencrypted key).
    pub fn load(operator: &str, path: &Path, password: Option<&str>) -> Result<Self, KeyError> {
        let text = read_small(path)?;
        Self::from_secret_text(operator, &text, password, path)
    }

    /// Unlocks `path`, calling `ask_password` only when the key is password-protected: the
    /// caller decides how to ask (a terminal prompt at start, never mid-run).
    pub fn unlock(
        operator: &str,
        path: &Path,
        ask_password: impl FnOnce() -> Result<String, KeyError>,
    ) -> Result<Self, KeyError> {
        let text = read_small(path)?;
        let password = if is_password_protected(&text, path)? {
            Some(ask_password()?)
        } else {
            None
        };
        Self::from_secret_text(operator, &text, password.as_deref(), path)
    }

    /// As [`OperatorSigner::load`], from the secret key file's text; `path` names it in errors.
    pub fn from_secret_text(
        operator: &str,
        text: &str,
        password: Option<&str>,
        path: &Path,
    ) -> Result<Self, KeyError> {
        let unlock = |detail: String| KeyError::Unlock {
            path: PathBuf::from(path),
            detail,
        };
        let key_box = SecretKeyBox::from_string(text).map_err(|e| unlock(e.to_string()))?;
        let secret = match password {
            Some(password) => SecretKey::from_box(key_box, Some(password.to_string())),
            None => SecretKey::from_unencrypted_box(key_box),
        }
        .map_err(|e| match password {
            None => unlock(format!(
                "{e} (if the key is password-protected, give its password)"
            )),
            Some(_) => unlock(e.to_string()),
        })?;
        let public = PublicKey::from_secret_key(&secret).map_err(|e| unlock(e.to_string()))?;
        Ok(OperatorSigner {
            operator: operator.to_string(),
            secret,
            public,
        })
    }

    pub fn operator(&self) -> &str {
        &self.operator
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub fn key_id(&self) -> String {
        key_id(self.public.keynum())
    }

    /// A prehashed minisign signature over `message`, as the text of a `.minisig` file.
    pub fn sign(&self, message: &[u8], trusted_comment: &str) -> Result<String, KeyError> {
        crate::core::journal::validate_trusted_comment(trusted_comment)?;
        let untrusted = format!(
            "signature from secureupdate operator {} key {}",
            self.operator,
            self.key_id()
        );
        // No verify-after-sign (`None`): the key's checksum was checked when it was loaded, and
        // that extra verification is a third of the signing time of every decision.
        minisign::sign(
            None,
            &self.secret,
            message,
            Some(trusted_comment),
            Some(&untrusted),
        )
        .map(|signature| signature.into_string())
        .map_err(|e| KeyError::Sign(e.to_string()))
    }
}

/// A key id as minisign prints it: the 8 key-number bytes as a little-endian number in hex.
pub fn key_id(keynum: &[u8]) -> String {
    let mut bytes = [0u8; 8];
    let len = keynum.len().min(8);
    bytes[..len].copy_from_slice(&keynum[..len]);
    crate::config::key_id_hex(&bytes)
}
