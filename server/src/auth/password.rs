//! Password hashing with argon2 (the crate's default parameters), off the async executor: a
//! hash costs tens of milliseconds on purpose.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use rand::Rng;

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    if password.len() < 8 {
        anyhow::bail!("passwords need at least 8 characters");
    }
    let salt = SaltString::encode_b64(&rand::rng().random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Whether `password` matches the PHC string `phc`; false for a malformed hash.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = super::hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(super::verify("correct horse", &h));
        assert!(!super::verify("wrong horse", &h));
        assert!(!super::verify("correct horse", "not a hash"));
        assert!(super::hash("short").is_err());
    }
}
