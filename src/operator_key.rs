//! Unlocking an operator's secret key once, when a command or the console starts: the password
//! is asked on the terminal then, never in the middle of a run.

use std::path::{Path, PathBuf};

use anyhow::Result;
use secureupdate::adapters::journal::{KeyError, OperatorSigner, load_public_key};
use secureupdate::config::Site;

use crate::exit::bad_input;

/// Where `keygen` puts an operator's secret key unless told otherwise.
pub fn default_secret_path(site_dir: &Path, operator: &str) -> PathBuf {
    site_dir.join("keys").join(format!("{operator}.key"))
}

#[derive(Debug, thiserror::Error)]
enum OperatorKeyError {
    #[error(
        "operator `{0}` is not in site.toml; add an [[operator]] block or run `secureupdate keygen --operator {0}`"
    )]
    UnknownOperator(String),
    #[error(
        "operator `{0}` has no public_key in site.toml; run `secureupdate keygen --operator {0}`"
    )]
    NoPublicKey(String),
    #[error(
        "{secret} is not the secret key of operator `{operator}`: its public key differs from {public}"
    )]
    WrongKey {
        operator: String,
        secret: PathBuf,
        public: PathBuf,
    },
}

/// Unlocks `operator`'s secret key (`secret`, else `keys/NAME.key` in the site) and checks that
/// it belongs to the public key site.toml trusts for that operator.
pub fn unlock_operator(
    site: &Site,
    operator: &str,
    secret: Option<&Path>,
) -> Result<OperatorSigner> {
    let entry = site
        .config
        .operator(operator)
        .ok_or_else(|| bad_input(OperatorKeyError::UnknownOperator(operator.to_string())))?;
    let public_path = entry
        .public_key
        .as_ref()
        .map(|p| site.path(p))
        .ok_or_else(|| bad_input(OperatorKeyError::NoPublicKey(operator.to_string())))?;
    let secret_path = secret
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_secret_path(&site.dir, operator));
    let signer = OperatorSigner::unlock(operator, &secret_path, || {
        ask_password(operator, &secret_path)
    })
    .map_err(bad_input)?;
    let trusted = load_public_key(&public_path).map_err(bad_input)?;
    if trusted.keynum() != signer.public_key().keynum()
        || trusted.to_bytes() != signer.public_key().to_bytes()
    {
        return Err(bad_input(OperatorKeyError::WrongKey {
            operator: operator.to_string(),
            secret: secret_path,
            public: public_path,
        }));
    }
    Ok(signer)
}

pub fn ask_password(operator: &str, path: &Path) -> Result<String, KeyError> {
    let no_password = |detail: String| KeyError::NoPassword {
        path: path.to_path_buf(),
        detail,
    };
    rpassword::prompt_password(format!(
        "Password for {operator}'s key {}: ",
        path.display()
    ))
    .map_err(|e| no_password(format!("no terminal could be asked for its password ({e})")))
    .and_then(|password| {
        if password.is_empty() {
            Err(no_password("the password given was empty".to_string()))
        } else {
            Ok(password)
        }
    })
}
