//! SMART Backend Services: the client's private key (PEM or JWK, RS384 or ES384), the signed JWT
//! client assertion, and the access token it buys, cached until shortly before it expires.
//!
//! The key never leaves this module: nothing here is logged, printed, stored or audited but the
//! public half (for registering the client with a server).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use sha2::{Digest, Sha256};

use super::PullError;

/// The scope asked when none is configured: read every resource type, nothing more.
pub const DEFAULT_SCOPE: &str = "system/*.read";

/// How long a client assertion is valid (the SMART spec allows at most five minutes).
const ASSERTION_LIFETIME_SECS: u64 = 300;

/// A token this close to its expiry is replaced before a request, so that it does not expire
/// on the way (at most half its life, for a server that grants short tokens).
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// Replaces [`EXPIRY_MARGIN`], in seconds, uncapped: for a server whose clock runs ahead of
/// this machine's, or to renew before every request (a margin as long as the token's life).
const EXPIRY_MARGIN_VARIABLE: &str = "REFRACT_TOKEN_RENEW_SECONDS";

/// How long before its expiry a token of `life` is replaced.
fn expiry_margin(life: Duration) -> Duration {
    std::env::var(EXPIRY_MARGIN_VARIABLE)
        .ok()
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map_or(EXPIRY_MARGIN.min(life / 2), Duration::from_secs)
}

/// A private key that signs the client assertion.
pub enum SigningKey {
    /// RS384 (RSASSA-PKCS1-v1_5 with SHA-384).
    Rsa(RsaKeyPair),
    /// ES384 (ECDSA on P-384 with SHA-384).
    Ec(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private half.
        f.write_str(self.alg())
    }
}

impl SigningKey {
    pub fn alg(&self) -> &'static str {
        match self {
            SigningKey::Rsa(_) => "RS384",
            SigningKey::Ec(_) => "ES384",
        }
    }

    /// The public key as a JWK (with `alg`, `use` and `key_ops` set for signature checks).
    pub fn public_jwk(&self, kid: &str) -> serde_json::Value {
        let mut jwk = self.public_members();
        if let serde_json::Value::Object(map) = &mut jwk {
            map.insert("kid".into(), kid.into());
            map.insert("alg".into(), self.alg().into());
            map.insert("use".into(), "sig".into());
            map.insert("key_ops".into(), serde_json::json!(["verify"]));
        }
        jwk
    }

    /// The required members of the public JWK, as RFC 7638 orders them for a thumbprint.
    fn public_members(&self) -> serde_json::Value {
        match self {
            SigningKey::Rsa(key) => {
                let public: ring::rsa::PublicKeyComponents<Vec<u8>> = key.public().into();
                serde_json::json!({
                    "e": B64.encode(&public.e), "kty": "RSA", "n": B64.encode(&public.n)
                })
            }
            SigningKey::Ec(key) => {
                // The uncompressed point: 0x04, then x and y of 48 bytes each.
                let point = key.public_key().as_ref();
                let (x, y) = point[1..].split_at(48);
                serde_json::json!({
                    "crv": "P-384", "kty": "EC", "x": B64.encode(x), "y": B64.encode(y)
                })
            }
        }
    }

    /// The RFC 7638 thumbprint of the public key: the default `kid`, the same every time.
    pub fn thumbprint(&self) -> String {
        // serde_json writes an object's members in key order (no preserve_order feature),
        // which for these members is the order RFC 7638 requires.
        let canonical = self.public_members().to_string();
        B64.encode(Sha256::digest(canonical.as_bytes()))
    }

    fn sign(&self, message: &[u8], rng: &SystemRandom) -> Result<Vec<u8>, PullError> {
        let failed = |_| PullError::Key("the key could not sign the client assertion".into());
        match self {
            SigningKey::Rsa(key) => {
                let mut out = vec![0; key.public().modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA384, rng, message, &mut out)
                    .map_err(failed)?;
                Ok(out)
            }
            SigningKey::Ec(key) => Ok(key.sign(rng, message).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

/// A key read from its file, with the `kid` it names itself by (a JWK's own, else its
/// thumbprint).
#[derive(Debug)]
pub struct LoadedKey {
    pub key: SigningKey,
    pub kid: String,
}

/// Reads a private key: PEM (PKCS#8, or PKCS#1 for RSA) or JWK (a key, or a set whose first
/// private key is used). Refuses a file that group or others can read: a key anyone can copy
/// lets them read the hospital's records.
pub fn load_key(path: &Path) -> Result<LoadedKey, PullError> {
    let shown = path.display();
    check_private(path)?;
    let bytes = std::fs::read(path)
        .map_err(|err| PullError::Key(format!("cannot read the key {shown}: {err}")))?;
    let text = String::from_utf8_lossy(&bytes);
    let trimmed = text.trim_start();
    let (key, kid) = if trimmed.starts_with('{') {
        from_jwk(trimmed).map_err(|why| PullError::Key(format!("{shown}: {why}")))?
    } else {
        (
            from_pem(&bytes).map_err(|why| PullError::Key(format!("{shown}: {why}")))?,
            None,
        )
    };
    let kid = kid.unwrap_or_else(|| key.thumbprint());
    Ok(LoadedKey { key, kid })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), PullError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|err| PullError::Key(format!("cannot read the key {}: {err}", path.display())))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(PullError::Key(format!(
            "the key {} can be read by others (mode {mode:o}): make it yours alone with \
             `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), PullError> {
    Ok(())
}

fn from_pem(bytes: &[u8]) -> Result<SigningKey, String> {
    use rustls_pki_types::PrivateKeyDer;
    use rustls_pki_types::pem::PemObject;
    let der = PrivateKeyDer::from_pem_slice(bytes)
        .map_err(|_| String::from("not a PEM private key or a JWK"))?;
    match der {
        PrivateKeyDer::Pkcs8(der) => {
            let der = der.secret_pkcs8_der();
            if let Ok(key) = RsaKeyPair::from_pkcs8(der) {
                return Ok(SigningKey::Rsa(key));
            }
            EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                der,
                &SystemRandom::new(),
            )
            .map(SigningKey::Ec)
            .map_err(|_| {
                String::from("neither an RSA key nor an EC key on P-384 (RS384 or ES384 needed)")
            })
        }
        PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der())
            .map(SigningKey::Rsa)
            .map_err(|err| format!("not a usable RSA key ({err})")),
        PrivateKeyDer::Sec1(_) => Err(String::from(
            "an EC key in SEC1 form: convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt`",
        )),
        _ => Err(String::from("an unknown kind of private key")),
    }
}

fn from_jwk(text: &str) -> Result<(SigningKey, Option<String>), String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not a JWK: {err}"))?;
    // A JWK set: its first private key.
    let jwk = match value.get("keys").and_then(|keys| keys.as_array()) {
        Some(keys) => keys
            .iter()
            .find(|key| key.get("d").is_some())
            .ok_or("the key set holds no private key")?,
        None => &value,
    };
    let member = |name: &str| -> Result<Vec<u8>, String> {
        let text = jwk
            .get(name)
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("the JWK has no '{name}'"))?;
        B64.decode(text.trim_end_matches('='))
            .map_err(|_| format!("the JWK's '{name}' is not base64url"))
    };
    let kid = jwk.get("kid").and_then(|v| v.as_str()).map(str::to_owned);
    match jwk.get("kty").and_then(|v| v.as_str()) {
        Some("RSA") => {
            if jwk.get("d").is_none() {
                return Err("a public key: refract needs the private key".into());
            }
            let components = ring::rsa::KeyPairComponents {
                public_key: signature::RsaPublicKeyComponents {
                    n: member("n")?,
                    e: member("e")?,
                },
                d: member("d")?,
                p: member("p")?,
                q: member("q")?,
                dP: member("dp")?,
                dQ: member("dq")?,
                qInv: member("qi")?,
            };
            let key = RsaKeyPair::from_components(&components)
                .map_err(|err| format!("not a usable RSA key ({err})"))?;
            Ok((SigningKey::Rsa(key), kid))
        }
        Some("EC") => {
            if jwk.get("crv").and_then(|v| v.as_str()) != Some("P-384") {
                return Err("an EC key not on P-384 (ES384 needs P-384)".into());
            }
            if jwk.get("d").is_none() {
                return Err("a public key: refract needs the private key".into());
            }
            let mut point = vec![4u8];
            point.extend(member("x")?);
            point.extend(member("y")?);
            let key = EcdsaKeyPair::from_private_key_and_public_key(
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                &member("d")?,
                &point,
                &SystemRandom::new(),
            )
            .map_err(|err| format!("not a usable EC key ({err})"))?;
            Ok((SigningKey::Ec(key), kid))
        }
        _ => Err("a JWK whose kty is neither RSA nor EC".into()),
    }
}

/// What a client needs to authenticate: who it is, its key, what it asks for, and where.
#[derive(Debug)]
pub struct Credentials {
    pub client_id: String,
    pub key: LoadedKey,
    pub scope: String,
    /// The token endpoint; else read from the server's `.well-known/smart-configuration`.
    pub token_url: Option<String>,
    /// Where the key came from (for messages).
    pub key_path: PathBuf,
}

/// Checks that a scope only reads: `system/` scopes, `.read` or the SMART v2 `.r`/`.s`/`.rs`.
pub fn check_scope(scope: &str) -> Result<(), PullError> {
    if scope.split_whitespace().next().is_none() {
        return Err(PullError::Config("the scope is empty".into()));
    }
    for one in scope.split_whitespace() {
        let Some(rest) = one.strip_prefix("system/") else {
            return Err(PullError::Config(format!(
                "scope '{one}': Backend Services scopes start with system/"
            )));
        };
        let access = rest.rsplit_once('.').map_or("", |(_, access)| {
            access.split_once('?').map_or(access, |(a, _)| a)
        });
        let reads =
            access == "read" || (!access.is_empty() && access.chars().all(|c| "rs".contains(c)));
        if !reads {
            return Err(PullError::Config(format!(
                "scope '{one}': refract only reads (system/*.read or narrower)"
            )));
        }
    }
    Ok(())
}

/// A signed client assertion (RFC 7523) for `token_url`.
pub fn client_assertion(
    credentials: &Credentials,
    token_url: &str,
    rng: &SystemRandom,
) -> Result<String, PullError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut jti = [0u8; 16];
    rng.fill(&mut jti)
        .map_err(|_| PullError::Key("no randomness for the assertion's jti".into()))?;
    let header = serde_json::json!({
        "alg": credentials.key.key.alg(),
        "typ": "JWT",
        "kid": credentials.key.kid,
    });
    let claims = serde_json::json!({
        "iss": credentials.client_id,
        "sub": credentials.client_id,
        "aud": token_url,
        "exp": now + ASSERTION_LIFETIME_SECS,
        "iat": now,
        "jti": crate::digest::hex(&jti),
    });
    let signing_input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = credentials.key.key.sign(signing_input.as_bytes(), rng)?;
    Ok(format!("{signing_input}.{}", B64.encode(signature)))
}

/// An access token and when it stops being worth sending.
#[derive(Clone)]
pub struct Token {
    pub value: String,
    pub renew_at: Instant,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

impl Token {
    /// A token from the endpoint's answer, to be replaced a little before `expires_in`.
    pub fn new(value: String, expires_in: Option<u64>) -> Token {
        // A server that does not say: five minutes, the least the spec lets it grant.
        let life = Duration::from_secs(expires_in.unwrap_or(300));
        let renew_at = Instant::now() + life.saturating_sub(expiry_margin(life));
        Token { value, renew_at }
    }

    pub fn fresh(&self) -> bool {
        Instant::now() < self.renew_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_that_write_are_refused() {
        assert!(check_scope("system/*.read").is_ok());
        assert!(check_scope("system/Patient.read system/Condition.rs").is_ok());
        assert!(check_scope("system/Observation.rs?category=laboratory").is_ok());
        assert!(check_scope("system/*.write").is_err());
        assert!(check_scope("system/*.cruds").is_err());
        assert!(check_scope("user/*.read").is_err());
        assert!(check_scope("  ").is_err());
    }

    #[test]
    fn an_es384_assertion_verifies_with_its_public_key() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, &rng)
            .unwrap();
        let key = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            pkcs8.as_ref(),
            &rng,
        )
        .unwrap();
        let public = key.public_key().as_ref().to_vec();
        let credentials = Credentials {
            client_id: "c".into(),
            key: LoadedKey {
                kid: "k".into(),
                key: SigningKey::Ec(key),
            },
            scope: DEFAULT_SCOPE.into(),
            token_url: None,
            key_path: PathBuf::new(),
        };
        let jwt = client_assertion(&credentials, "http://x/token", &rng).unwrap();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let sig = B64.decode(sig).unwrap();
        signature::UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, public)
            .verify(input.as_bytes(), &sig)
            .unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(input.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(claims["aud"], "http://x/token");
        assert_eq!(claims["iss"], "c");
    }
}
