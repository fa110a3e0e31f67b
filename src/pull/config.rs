//! The servers file: a small TOML file naming each FHIR server a team pulls from, with its
//! Backend Services client (client id, key file, scope). It holds no secret itself: the private
//! key stays in its own file, which must be readable by its owner alone.
//!
//! ```toml
//! [servers.hospital]
//! url = "https://ehr.example.org/fhir"   # the FHIR base URL (required)
//! client_id = "refract-mdt"              # with key: pull with SMART Backend Services
//! key = "keys/refract.pem"               # PEM (PKCS#8/PKCS#1) or JWK; relative to this file
//! kid = "2024-key"                       # optional: default the JWK's kid, else its thumbprint
//! scope = "system/*.read"                # optional: system/*.read or narrower
//! token_url = "https://ehr.example.org/token"  # optional: default from SMART configuration
//! group = "mdt-lbcl"                     # optional: export this Group only
//! types = ["Patient", "Condition"]       # optional: default what refract reads and the server has
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::PullError;

/// One `[servers.NAME]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub url: String,
    pub client_id: Option<String>,
    pub key: Option<PathBuf>,
    pub kid: Option<String>,
    pub scope: Option<String>,
    pub token_url: Option<String>,
    pub group: Option<String>,
    pub types: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServersFile {
    #[serde(default)]
    servers: BTreeMap<String, ServerSettings>,
}

/// The servers file, read.
#[derive(Debug, Default)]
pub struct Servers {
    servers: BTreeMap<String, ServerSettings>,
}

impl Servers {
    /// Reads `path` (key paths in it are taken relative to its folder).
    pub fn load(path: &Path) -> Result<Servers, PullError> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            PullError::Config(format!(
                "cannot read the servers file {}: {err}",
                path.display()
            ))
        })?;
        let file: ServersFile = toml::from_str(&text).map_err(|err| {
            PullError::Config(format!(
                "{}: {}",
                path.display(),
                crate::text::one_line(err.message())
            ))
        })?;
        let folder = path.parent().unwrap_or(Path::new(""));
        let servers = file
            .servers
            .into_iter()
            .map(|(name, mut settings)| {
                settings.key = settings.key.map(|key| folder.join(key));
                (name, settings)
            })
            .collect();
        Ok(Servers { servers })
    }

    /// The settings `--server` names: a table's name, or a URL (the table with that URL, if
    /// any, else the URL alone).
    pub fn resolve(&self, server: &str) -> Result<(Option<String>, ServerSettings), PullError> {
        if let Some(settings) = self.servers.get(server) {
            return Ok((Some(server.to_owned()), settings.clone()));
        }
        if !server.contains("://") {
            return Err(PullError::Config(format!(
                "--server {server}: neither a URL nor a server in the servers file{}",
                if self.servers.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (it names {})",
                        self.servers.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                }
            )));
        }
        let wanted = server.trim_end_matches('/');
        // A table's URL matches however either is written (scheme and host case, default
        // port, trailing slash).
        let canonical = crate::import::canonical_source(wanted);
        Ok(self
            .servers
            .iter()
            .find(|(_, s)| crate::import::canonical_source(&s.url) == canonical)
            .map_or_else(
                || {
                    (
                        None,
                        ServerSettings {
                            url: wanted.to_owned(),
                            ..ServerSettings::default()
                        },
                    )
                },
                |(name, s)| (Some(name.clone()), s.clone()),
            ))
    }
}

/// The servers file in use: `--config`, else `$REFRACT_SERVERS`, else `servers.toml` in the
/// platform's configuration folder for refract, if there is one.
pub fn default_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REFRACT_SERVERS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let dirs = directories::ProjectDirs::from("", "", "refract")?;
    Some(dirs.config_dir().join("servers.toml")).filter(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_resolve_by_name_or_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("servers.toml");
        std::fs::write(
            &path,
            "[servers.hospital]\nurl = \"http://h/fhir/\"\nclient_id = \"c\"\nkey = \"k.pem\"\n",
        )
        .unwrap();
        let servers = Servers::load(&path).unwrap();
        let (name, settings) = servers.resolve("hospital").unwrap();
        assert_eq!(name.as_deref(), Some("hospital"));
        assert_eq!(settings.key.unwrap(), dir.path().join("k.pem"));
        let (name, _) = servers.resolve("http://h/fhir").unwrap();
        assert_eq!(name.as_deref(), Some("hospital"));
        let (name, settings) = servers.resolve("http://other/fhir/").unwrap();
        assert!(name.is_none());
        assert_eq!(settings.url, "http://other/fhir");
        assert!(servers.resolve("clinic").is_err());
        std::fs::write(&path, "[servers.x]\nurl = \"u\"\nsecret = \"s\"\n").unwrap();
        assert!(Servers::load(&path).is_err());
    }
}
