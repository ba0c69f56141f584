//! Credentials of a source: from environment variables named in the configuration, or from a
//! netrc file. Never from the configuration file itself, and never printed.

use std::path::{Path, PathBuf};

use super::{config::Source, remote::FetchError};

/// A user name and password. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).field("password", &"<hidden>").finish()
    }
}

impl Credentials {
    /// The credentials of `source` for `host`: its environment variables first, then netrc.
    pub fn for_source(source: &Source, host: &str) -> Result<Option<Self>, FetchError> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| {
                FetchError::Credentials(format!("source {}: environment variable {name} is not set", source.name))
            })
        };
        if let Some(u) = &source.username_env {
            let password = source.password_env.as_deref().map(var).transpose()?.unwrap_or_default();
            return Ok(Some(Self { user: var(u)?, password }));
        }
        let Some(path) = &source.netrc else { return Ok(None) };
        let path = match path {
            Some(p) => p.clone(),
            None => default_netrc().ok_or_else(|| {
                FetchError::Credentials(format!("source {}: no $NETRC and no home folder", source.name))
            })?,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| FetchError::Io { what: "reading", path, source: e })?;
        Ok(from_netrc(&text, host))
    }
}

fn default_netrc() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETRC") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".netrc"))
}

/// The `login` and `password` of `machine HOST` in a netrc text, else of `default`.
pub fn from_netrc(text: &str, host: &str) -> Option<Credentials> {
    // Blocks: (machine name, None for `default`), login, password.
    let mut blocks: Vec<(Option<String>, String, String)> = Vec::new();
    let mut tokens = text.split_whitespace();
    while let Some(t) = tokens.next() {
        match t {
            "machine" => {
                blocks.push((Some(tokens.next().unwrap_or_default().to_owned()), String::new(), String::new()))
            }
            "default" => blocks.push((None, String::new(), String::new())),
            "login" | "password" | "account" => {
                let v = tokens.next().unwrap_or_default().to_owned();
                if let Some(b) = blocks.last_mut() {
                    match t {
                        "login" => b.1 = v,
                        "password" => b.2 = v,
                        _ => {}
                    }
                }
            }
            // A macro's name; its body is not run.
            "macdef" => {
                let _ = tokens.next();
            }
            _ => {}
        }
    }
    let pick = |b: &(Option<String>, String, String)| Credentials { user: b.1.clone(), password: b.2.clone() };
    blocks.iter().find(|b| b.0.as_deref() == Some(host)).or_else(|| blocks.iter().find(|b| b.0.is_none())).map(pick)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_gives_the_matching_machine_else_default() {
        let text = "machine a.org login alice password one\nmachine b.org\n  login bob\n  password two\ndefault login anon password x\n";
        assert_eq!(from_netrc(text, "b.org").unwrap().user, "bob");
        assert_eq!(from_netrc(text, "b.org").unwrap().password, "two");
        assert_eq!(from_netrc(text, "a.org").unwrap().password, "one");
        assert_eq!(from_netrc(text, "c.org").unwrap().user, "anon");
        assert!(from_netrc("machine a.org login u password p", "z").is_none());
        assert!(!format!("{:?}", from_netrc(text, "a.org").unwrap()).contains("one"));
    }
}
