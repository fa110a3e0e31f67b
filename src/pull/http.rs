//! The HTTP side of a pull: one blocking agent (ureq on rustls), the access token when the
//! server needs one, and the bounded retries every request gets: a connection that fails, a
//! server that asks to wait (429 or 503 with `Retry-After`), a token that expired on the way.
//! A request that may have reached the server and got no answer is sent again only when that
//! is harmless ([`Resend`]). A TLS/plain-HTTP mismatch between the URL and the port is said as
//! such. Every failure ends as a one-line [`PullError`]; nothing here knows FHIR beyond reading
//! an OperationOutcome's words for a message.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ring::rand::SystemRandom;
use ureq::Body;
use ureq::http::Response;

use super::PullError;
use super::auth::{self, Credentials, Token};

/// Attempts for a request whose connection fails (refused, reset, timed out).
const CONNECT_ATTEMPTS: u32 = 3;
/// Times a server may answer 429/503 to one request before the pull gives up.
const BUSY_ATTEMPTS: u32 = 5;
/// The longest single wait a server may ask for; beyond it the pull stops and says so.
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// The most of an error body read for its message.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;
/// How long a request waits for the server's answer (its status line and headers) before it
/// counts as unanswered.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);
/// Replaces [`ANSWER_TIMEOUT`], in seconds: for a server that is slow to answer, or to find a
/// stalled one sooner.
const ANSWER_TIMEOUT_VARIABLE: &str = "REFRACT_PULL_ANSWER_SECONDS";
/// How long the TLS/plain-HTTP probe of a failed connection waits for the server's first bytes.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a request waits for an answer: [`ANSWER_TIMEOUT`] unless
/// `$REFRACT_PULL_ANSWER_SECONDS` says otherwise.
pub fn answer_timeout() -> Duration {
    std::env::var(ANSWER_TIMEOUT_VARIABLE)
        .ok()
        .and_then(|value| value.trim().parse::<u64>().ok())
        .filter(|secs| *secs > 0)
        .map_or(ANSWER_TIMEOUT, Duration::from_secs)
}

/// Whether a request that may have reached the server and got no answer is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Yes, within [`CONNECT_ATTEMPTS`]: asking again changes nothing on the server (reading
    /// metadata, a file).
    Freely,
    /// No: it fails at once with [`PullError::NoAnswer`], and the caller decides (a kick-off
    /// sent twice may start two export jobs; a status poll has its own patience). A request
    /// that cannot have reached the server (connection refused, host not found, no
    /// connection made in time) is still tried again.
    IfUndelivered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Delete,
}

/// A connection to one FHIR server.
pub struct Client {
    agent: ureq::Agent,
    credentials: Option<Credentials>,
    token: Mutex<Option<Token>>,
    /// Tokens obtained so far (for the report; never the tokens themselves).
    tokens: std::sync::atomic::AtomicUsize,
    token_url: Mutex<Option<String>>,
    rng: SystemRandom,
    cancel: Arc<AtomicBool>,
    /// Set for the job's DELETE after a cancel: that one request still goes out.
    ignoring_cancel: AtomicBool,
    /// The FHIR base URL (no trailing slash).
    pub base: String,
}

impl Client {
    pub fn new(base: &str, credentials: Option<Credentials>, cancel: Arc<AtomicBool>) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(answer_timeout()))
            // A stalled download fails instead of hanging the pull.
            .timeout_recv_body(None)
            .timeout_per_read(Some(answer_timeout().max(Duration::from_secs(120))))
            .user_agent(concat!("refract/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            token_url: Mutex::new(credentials.as_ref().and_then(|c| c.token_url.clone())),
            credentials,
            token: Mutex::new(None),
            tokens: std::sync::atomic::AtomicUsize::new(0),
            rng: SystemRandom::new(),
            cancel,
            ignoring_cancel: AtomicBool::new(false),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// How many access tokens the pull has obtained.
    pub fn tokens(&self) -> usize {
        self.tokens.load(Ordering::Relaxed)
    }

    pub fn authenticates(&self) -> bool {
        self.credentials.is_some()
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) && !self.ignoring_cancel.load(Ordering::Relaxed)
    }

    /// Lets requests go out after Ctrl-C (the job's DELETE, once the pull has stopped).
    pub fn ignore_cancel(&self) {
        self.ignoring_cancel.store(true, Ordering::Relaxed);
    }

    /// Heeds Ctrl-C again once that DELETE is sent (a pull may go on to another export).
    pub fn heed_cancel(&self) {
        self.ignoring_cancel.store(false, Ordering::Relaxed);
    }

    /// Fails with [`PullError::Cancelled`] once Ctrl-C was pressed.
    pub fn check_cancel(&self) -> Result<(), PullError> {
        if self.cancelled() {
            Err(PullError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sleeps, waking early (with an error) for Ctrl-C.
    pub fn sleep(&self, wait: Duration) -> Result<(), PullError> {
        let until = Instant::now() + wait;
        loop {
            self.check_cancel()?;
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(Duration::from_millis(100)));
        }
    }

    /// Sends a request, retrying what is worth retrying; returns any other answer as it came.
    /// `authorised`: send the access token (when the pull has credentials).
    pub fn request(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        extra: &[(&str, &str)],
        authorised: bool,
    ) -> Result<Response<Body>, PullError> {
        self.send(method, url, accept, extra, authorised, Resend::Freely)
    }

    /// As [`Client::request`], but a request that may have reached the server and got no
    /// answer is not sent again: [`PullError::NoAnswer`] (see [`Resend::IfUndelivered`]).
    pub fn request_unrepeated(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        extra: &[(&str, &str)],
        authorised: bool,
    ) -> Result<Response<Body>, PullError> {
        self.send(
            method,
            url,
            accept,
            extra,
            authorised,
            Resend::IfUndelivered,
        )
    }

    fn send(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        extra: &[(&str, &str)],
        authorised: bool,
        resend: Resend,
    ) -> Result<Response<Body>, PullError> {
        let mut connect_failures = 0;
        let mut busy = 0;
        let mut renewed = false;
        loop {
            self.check_cancel()?;
            let bearer = if authorised {
                self.bearer(false)?
            } else {
                None
            };
            let sent = match method {
                Method::Get => {
                    let mut req = self.agent.get(url).header("Accept", accept);
                    for (name, value) in extra {
                        req = req.header(*name, *value);
                    }
                    if let Some(token) = &bearer {
                        req = req.header("Authorization", format!("Bearer {token}"));
                    }
                    req.call()
                }
                Method::Delete => {
                    let mut req = self.agent.delete(url).header("Accept", accept);
                    if let Some(token) = &bearer {
                        req = req.header("Authorization", format!("Bearer {token}"));
                    }
                    req.call()
                }
            };
            let response = match sent {
                Ok(response) => response,
                Err(err) => {
                    // The URL the user gave, not the request's, is the one to write again.
                    let given = if url.starts_with(&self.base) {
                        &self.base
                    } else {
                        url
                    };
                    if let Some(mismatch) = scheme_mismatch(given, &err) {
                        return Err(PullError::WrongScheme(mismatch));
                    }
                    if resend == Resend::IfUndelivered && !undelivered(&err) {
                        return Err(PullError::NoAnswer(transport_reason(&err)));
                    }
                    connect_failures += 1;
                    if connect_failures >= CONNECT_ATTEMPTS {
                        return Err(PullError::Unreachable(format!(
                            "{}: {} (tried {connect_failures} times)",
                            host_of(url),
                            transport_reason(&err)
                        )));
                    }
                    self.sleep(Duration::from_secs(u64::from(connect_failures)))?;
                    continue;
                }
            };
            let status = response.status().as_u16();
            if status == 401 && bearer.is_some() && !renewed {
                // The token expired on the way (or the server forgot it): one new token, then
                // the same request again.
                renewed = true;
                self.bearer(true)?;
                continue;
            }
            if status == 429 || status == 503 {
                busy += 1;
                let wait = retry_after(&response).unwrap_or(Duration::from_secs(1 << busy.min(5)));
                if busy >= BUSY_ATTEMPTS || wait > MAX_WAIT {
                    return Err(PullError::Busy(format!(
                        "{} answered {status} {} and asks to wait {}s (gave up after {busy} \
                         tries); try again later",
                        host_of(url),
                        if status == 429 {
                            "Too Many Requests"
                        } else {
                            "Service Unavailable"
                        },
                        wait.as_secs()
                    )));
                }
                self.sleep(wait)?;
                continue;
            }
            return Ok(response);
        }
    }

    /// The access token to send: the cached one while fresh, else a new one (`renew`: a new one
    /// whatever the cache holds). `None` without credentials.
    fn bearer(&self, renew: bool) -> Result<Option<String>, PullError> {
        let Some(credentials) = &self.credentials else {
            return Ok(None);
        };
        let mut cached = self
            .token
            .lock()
            .map_err(|_| PullError::Internal("the token cache".into()))?;
        if !renew && let Some(token) = cached.as_ref().filter(|t| t.fresh()) {
            return Ok(Some(token.value.clone()));
        }
        let token = self.fetch_token(credentials)?;
        self.tokens.fetch_add(1, Ordering::Relaxed);
        let value = token.value.clone();
        *cached = Some(token);
        Ok(Some(value))
    }

    /// The token endpoint: configured, else the server's SMART configuration says.
    fn token_url(&self) -> Result<String, PullError> {
        let mut known = self
            .token_url
            .lock()
            .map_err(|_| PullError::Internal("the token URL".into()))?;
        if let Some(url) = known.as_ref() {
            return Ok(url.clone());
        }
        let url = format!("{}/.well-known/smart-configuration", self.base);
        let mut response = self.request(Method::Get, &url, "application/json", &[], false)?;
        if !response.status().is_success() {
            return Err(PullError::Auth(format!(
                "the server has no SMART configuration to name its token endpoint ({}); set \
                 token_url in the server's settings",
                response.status().as_u16()
            )));
        }
        let config: serde_json::Value = read_json(&mut response, 1 << 20)
            .map_err(|err| PullError::Protocol(format!("its SMART configuration: {err}")))?;
        let token_url = config
            .get("token_endpoint")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                PullError::Auth("the server's SMART configuration names no token_endpoint".into())
            })?
            .to_owned();
        *known = Some(token_url.clone());
        Ok(token_url)
    }

    fn fetch_token(&self, credentials: &Credentials) -> Result<Token, PullError> {
        let token_url = self.token_url()?;
        let mut attempts = 0;
        loop {
            self.check_cancel()?;
            let assertion = auth::client_assertion(credentials, &token_url, &self.rng)?;
            let sent = self
                .agent
                .post(&token_url)
                .header("Accept", "application/json")
                .send_form([
                    ("grant_type", "client_credentials"),
                    ("scope", credentials.scope.as_str()),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.as_str()),
                ]);
            let mut response = match sent {
                Ok(response) => response,
                Err(err) => {
                    if let Some(mismatch) = scheme_mismatch(&token_url, &err) {
                        return Err(PullError::WrongScheme(format!(
                            "the token endpoint: {mismatch}"
                        )));
                    }
                    attempts += 1;
                    if attempts >= CONNECT_ATTEMPTS {
                        return Err(PullError::Unreachable(format!(
                            "{} (its token endpoint): {}",
                            host_of(&token_url),
                            transport_reason(&err)
                        )));
                    }
                    self.sleep(Duration::from_secs(u64::from(attempts)))?;
                    continue;
                }
            };
            let status = response.status().as_u16();
            if (status == 429 || status == 503) && attempts + 1 < BUSY_ATTEMPTS {
                attempts += 1;
                let wait = retry_after(&response).unwrap_or(Duration::from_secs(2));
                if wait <= MAX_WAIT {
                    self.sleep(wait)?;
                    continue;
                }
            }
            if !response.status().is_success() {
                // Not the client id: some servers issue ids hundreds of characters long.
                return Err(PullError::Auth(format!(
                    "the token endpoint refused the client ({status}): {}",
                    error_reason(&mut response)
                )));
            }
            let answer: serde_json::Value = read_json(&mut response, 1 << 20).map_err(|err| {
                PullError::Protocol(format!("the token endpoint's answer: {err}"))
            })?;
            let value = answer
                .get("access_token")
                .and_then(|v| v.as_str())
                .ok_or_else(|| PullError::Auth("the token endpoint gave no access_token".into()))?;
            return Ok(Token::new(
                value.to_owned(),
                answer.get("expires_in").and_then(serde_json::Value::as_u64),
            ));
        }
    }
}

/// A JSON body, read to at most `limit` bytes.
pub fn read_json<T: serde::de::DeserializeOwned>(
    response: &mut Response<Body>,
    limit: u64,
) -> Result<T, String> {
    let text = response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
        .map_err(|err| crate::text::one_line(&err.to_string()))?;
    serde_json::from_str(&text).map_err(|err| err.to_string())
}

/// `Retry-After` as a wait: seconds, or an HTTP date.
pub fn retry_after(response: &Response<Body>) -> Option<Duration> {
    let text = response.headers().get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        // Some servers (the reference server's rate limiter among them) send the moment the
        // wait ends, in seconds or milliseconds since 1970, rather than the seconds to wait.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        return Some(Duration::from_secs(if secs > 100_000_000_000 {
            (secs / 1000).saturating_sub(now)
        } else if secs > 1_000_000_000 {
            secs.saturating_sub(now)
        } else {
            secs
        }));
    }
    let at = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let wait = at.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(wait.max(0) as u64))
}

/// Why a server refused a request, in its own words: an OperationOutcome's diagnostics, an
/// OAuth error's description, else the first line of the body.
pub fn error_reason(response: &mut Response<Body>) -> String {
    let text = response
        .body_mut()
        .with_config()
        .limit(ERROR_BODY_LIMIT)
        .lossy_utf8(true)
        .read_to_string()
        .unwrap_or_default();
    reason_in(&text).unwrap_or_else(|| {
        response
            .status()
            .canonical_reason()
            .unwrap_or("no reason given")
            .to_owned()
    })
}

/// The words of an error body, if it has any.
pub fn reason_in(text: &str) -> Option<String> {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        if let Some(words) = outcome_words(&json) {
            return Some(words);
        }
        if let Some(error) = json.get("error").and_then(|v| v.as_str()) {
            let description = json
                .get("error_description")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            return Some(crate::text::one_line(&format!("{error}: {description}")));
        }
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(crate::text::one_line(
        &first.chars().take(300).collect::<String>(),
    ))
}

/// An OperationOutcome's issues, as one line: each issue's diagnostics (else its details).
pub fn outcome_words(json: &serde_json::Value) -> Option<String> {
    if json.get("resourceType").and_then(|v| v.as_str()) != Some("OperationOutcome") {
        return None;
    }
    let words: Vec<String> = json
        .get("issue")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|issue| {
            issue
                .get("diagnostics")
                .and_then(|v| v.as_str())
                .or_else(|| issue.pointer("/details/text").and_then(|v| v.as_str()))
                .or_else(|| issue.get("code").and_then(|v| v.as_str()))
                .map(str::to_owned)
        })
        .collect();
    Some(crate::text::one_line(&if words.is_empty() {
        String::from("an OperationOutcome with no words")
    } else {
        words.join("; ")
    }))
}

/// Whether an OperationOutcome says to try again (issue code `transient`).
pub fn is_transient(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|json| {
        json.get("issue")
            .and_then(|v| v.as_array())
            .is_some_and(|issues| {
                issues
                    .iter()
                    .any(|i| i.get("code").and_then(|v| v.as_str()) == Some("transient"))
            })
    })
}

/// `scheme://host:port` of a URL, for messages (never its path or query).
pub fn host_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if scheme.is_empty() {
        host.to_owned()
    } else {
        format!("{scheme}://{host}")
    }
}

fn transport_reason(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            String::from("connection refused: is the server running?")
        }
        ureq::Error::HostNotFound => String::from("host not found"),
        ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            String::from("no connection made in time")
        }
        ureq::Error::Timeout(
            ureq::Timeout::RecvResponse | ureq::Timeout::PerRead | ureq::Timeout::PerCall,
        ) => format!("no answer in {} s", answer_timeout().as_secs()),
        ureq::Error::Timeout(_) => String::from("timed out"),
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            String::from("the connection was closed before an answer came")
        }
        other => crate::text::one_line(&other.to_string()),
    }
}

/// Whether a failed request cannot have reached the server: no connection was made (refused,
/// host not found, none in time). Anything later (no answer in time, the connection closed
/// before one) may have been received and acted on.
fn undelivered(err: &ureq::Error) -> bool {
    match err {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
        ureq::Error::Timeout(timeout) => {
            matches!(timeout, ureq::Timeout::Resolve | ureq::Timeout::Connect)
        }
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::AddrNotAvailable
                | std::io::ErrorKind::HostUnreachable
                | std::io::ErrorKind::NetworkUnreachable
        ),
        _ => false,
    }
}

/// When a connection to `url` failed because its scheme is not what the port speaks
/// (`https://` to a plain-HTTP port, `http://` to a TLS port), that in one line with the URL
/// to try.
/// Asked of the port itself, so that it never depends on how the TLS library words its
/// error: a plain-HTTP server answers a request line with `HTTP/`, a TLS server answers a
/// ClientHello with a TLS record (a ServerHello or an alert). Failures that say nothing about
/// the scheme (refused, host not found, timed out) are not probed.
fn scheme_mismatch(url: &str, err: &ureq::Error) -> Option<String> {
    let telling = match err {
        ureq::Error::HostNotFound | ureq::Error::Timeout(_) => false,
        ureq::Error::Io(io) => io.kind() != std::io::ErrorKind::ConnectionRefused,
        _ => true,
    };
    if !telling {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let tls = scheme.eq_ignore_ascii_case("https");
    if !tls && !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    let address = if has_port {
        authority.to_owned()
    } else {
        format!("{authority}:{}", if tls { 443 } else { 80 })
    };
    let other = if tls { "http" } else { "https" };
    let instead = format!("{other}://{rest}");
    let first = probe(&address, if tls { PLAIN_REQUEST } else { CLIENT_HELLO })?;
    if tls && first.starts_with(b"HTTP/") {
        Some(format!(
            "{authority} did not speak TLS (it answers plain HTTP): try {instead}"
        ))
    } else if !tls && matches!(first.as_slice(), [0x15 | 0x16, 0x03, ..]) {
        Some(format!(
            "{authority} speaks TLS, not plain HTTP: try {instead}"
        ))
    } else {
        None
    }
}

/// A plain-HTTP request line, for [`scheme_mismatch`].
const PLAIN_REQUEST: &[u8] = b"HEAD / HTTP/1.0\r\n\r\n";

/// A minimal TLS ClientHello (TLS 1.2 record, two cipher suites, no extensions), for
/// [`scheme_mismatch`]: any TLS server answers it with a TLS record, if only an alert.
const CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x00, 0x2f, // handshake record, 47 bytes
    0x01, 0x00, 0x00, 0x2b, // ClientHello, 43 bytes
    0x03, 0x03, // TLS 1.2
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // random
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    //
    0x00, // no session id
    0x00, 0x04, 0xc0, 0x2f, 0x13, 0x01, // two cipher suites
    0x01, 0x00, // no compression
];

/// The first bytes `address` sends back to `hello`, if any come in time.
fn probe(address: &str, hello: &[u8]) -> Option<Vec<u8>> {
    use std::io::{Read, Write};
    use std::net::ToSocketAddrs;
    let target = address.to_socket_addrs().ok()?.next()?;
    let mut stream = std::net::TcpStream::connect_timeout(&target, PROBE_TIMEOUT).ok()?;
    stream.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(PROBE_TIMEOUT)).ok()?;
    stream.write_all(hello).ok()?;
    let mut first = [0u8; 8];
    let mut got = 0;
    while got < 5 {
        match stream.read(&mut first[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    (got > 0).then(|| first[..got].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_read_as_words() {
        let outcome = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error",
            "code":"processing","diagnostics":"File generation failed"}]}"#;
        assert_eq!(reason_in(outcome).unwrap(), "File generation failed");
        assert_eq!(
            reason_in(r#"{"error":"invalid_grant","error_description":"bad jti"}"#).unwrap(),
            "invalid_grant: bad jti"
        );
        assert_eq!(
            reason_in("\n Too Many Requests.\nmore").unwrap(),
            "Too Many Requests."
        );
        assert!(is_transient(
            r#"{"resourceType":"OperationOutcome","issue":[{"code":"transient"}]}"#
        ));
        assert_eq!(host_of("http://127.0.0.1:9/a/b?c"), "http://127.0.0.1:9");
    }
}
