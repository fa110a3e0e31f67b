//! The Bulk Data Access protocol (FHIR Bulk Data IG): the `$export` kick-off, the status URL
//! polled as the server asks (`Retry-After`, `X-Progress`), the manifest, the output files
//! downloaded a few at a time into a private folder, and the job's DELETE.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde::Deserialize;

use super::PullError;
use super::http::{self, Client, Method};

/// What to ask for.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    pub group: Option<String>,
    pub types: Vec<String>,
    /// `_since`: a FHIR instant.
    pub since: Option<String>,
}

/// A kicked-off export job.
#[derive(Debug, Clone)]
pub struct Job {
    pub status_url: String,
}

/// One file the manifest lists.
#[derive(Debug, Clone, Deserialize)]
pub struct FileEntry {
    #[serde(rename = "type", default)]
    pub resource_type: String,
    pub url: String,
    #[serde(default)]
    pub count: Option<u64>,
}

/// The completed job's manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub transaction_time: String,
    #[serde(default)]
    pub requires_access_token: bool,
    #[serde(default)]
    pub output: Vec<FileEntry>,
    #[serde(default)]
    pub deleted: Vec<FileEntry>,
    #[serde(default)]
    pub error: Vec<FileEntry>,
}

/// Polls in a row that may fail with a transient OperationOutcome before the pull gives up
/// (counted again after an answer showing the job going on: a long export may meet a few).
const TRANSIENT_ATTEMPTS: u32 = 3;
/// The longest the poller waits of its own accord between status requests.
const POLL_CEILING: Duration = Duration::from_secs(10);
/// Status polls in a row that may get no answer (none in time, the connection closed) before
/// the pull gives up on a stalled server; the job is then deleted.
const UNANSWERED_POLLS: u32 = 3;
/// The longest wait between two unanswered status polls.
const UNANSWERED_BACKOFF_CEILING: Duration = Duration::from_secs(60);
/// Attempts for one file whose download breaks off.
const DOWNLOAD_ATTEMPTS: u32 = 3;
/// The largest manifest read (1,500 files is a few hundred kilobytes).
const MANIFEST_LIMIT: u64 = 64 << 20;

/// `$export` with `Prefer: respond-async`: the job's status URL.
///
/// A kick-off is never sent again once the server may have received it, except once when it
/// got no answer at all (said through `note`): each one the server received is an export job,
/// and one whose 202 never came cannot be cancelled (its status URL is in that answer).
pub fn kick_off(
    client: &Client,
    request: &ExportRequest,
    note: &mut dyn FnMut(&str),
) -> Result<Job, PullError> {
    let mut url = match &request.group {
        Some(group) => format!("{}/Group/{}/$export", client.base, encode(group)),
        None => format!("{}/$export", client.base),
    };
    let mut query = vec![("_outputFormat", "application/fhir+ndjson".to_owned())];
    if !request.types.is_empty() {
        query.push(("_type", request.types.join(",")));
    }
    if let Some(since) = &request.since {
        query.push(("_since", since.clone()));
    }
    for (index, (name, value)) in query.iter().enumerate() {
        url.push(if index == 0 { '?' } else { '&' });
        url.push_str(name);
        url.push('=');
        url.push_str(&encode(value));
    }
    let ask = || {
        client.request_unrepeated(
            Method::Get,
            &url,
            "application/fhir+json",
            &[("Prefer", "respond-async")],
            true,
        )
    };
    let mut response = match ask() {
        Err(PullError::NoAnswer(why)) => {
            note(&format!(
                "the export kick-off got no answer ({why}); asking once more (the server may \
                 hold a job from the first ask, which refract cannot cancel)"
            ));
            ask().map_err(|err| match err {
                PullError::NoAnswer(why) => PullError::NoAnswer(format!(
                    "the export kick-off got no answer twice ({why}); not asked again: the \
                     server may hold up to two export jobs refract cannot cancel (their status \
                     URLs never came)"
                )),
                other => other,
            })?
        }
        answer => answer?,
    };
    let status = response.status().as_u16();
    if status == 202 {
        let location = response
            .headers()
            .get("content-location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                PullError::Protocol("the kick-off answered 202 with no Content-Location".into())
            })?;
        return Ok(Job {
            status_url: location.to_owned(),
        });
    }
    let mut reason = http::error_reason(&mut response);
    if status == 401 && !client.authenticates() {
        reason.push_str(" (give --client-id and --key)");
    }
    Err(refusal(status, "the export kick-off", &reason))
}

/// A refusal as its kind of error: access (401/403), else the export's own failure.
fn refusal(status: u16, what: &str, reason: &str) -> PullError {
    match status {
        401 | 403 => PullError::Denied(format!("{what} was refused ({status}): {reason}")),
        _ => PullError::Export(format!("{what} failed ({status}): {reason}")),
    }
}

/// Polls the job until its manifest is ready, reporting the server's progress.
pub fn wait(
    client: &Client,
    job: &Job,
    progress: &mut dyn FnMut(&str),
) -> Result<Manifest, PullError> {
    let mut transient = 0;
    let mut polls: u32 = 0;
    let mut unanswered: u32 = 0;
    loop {
        // The same status URL, never a new kick-off: the job the server holds is this one.
        let asked =
            client.request_unrepeated(Method::Get, &job.status_url, "application/json", &[], true);
        let mut response = match asked {
            Err(PullError::NoAnswer(why)) => {
                unanswered += 1;
                if unanswered >= UNANSWERED_POLLS {
                    return Err(PullError::NoAnswer(format!(
                        "the export's status went unanswered {unanswered} times in a row \
                         ({why}): the server seems stalled, gave up"
                    )));
                }
                // Less often each time: a server that is only slow gets room.
                let wait = (http::answer_timeout().min(Duration::from_secs(10))
                    * 2u32.pow(unanswered - 1))
                .min(UNANSWERED_BACKOFF_CEILING);
                progress(&format!(
                    "the export's status got no answer ({why}); asking again in {} s \
                     ({unanswered} of {UNANSWERED_POLLS})",
                    wait.as_secs()
                ));
                client.sleep(wait)?;
                continue;
            }
            asked => asked?,
        };
        unanswered = 0;
        let status = response.status().as_u16();
        match status {
            202 => {
                polls += 1;
                transient = 0;
                if let Some(words) = response
                    .headers()
                    .get("x-progress")
                    .and_then(|v| v.to_str().ok())
                {
                    progress(&crate::text::one_line(words));
                }
                // Never sooner than the server asks, and less often as a job goes on (up to
                // every 10 s): a long export is not polled every second, which servers
                // rate-limit (the reference server blocks a client for 5 minutes past 60
                // status requests a minute).
                let backoff =
                    Duration::from_millis((500.0 * 1.5f64.powi(polls.min(20) as i32)) as u64)
                        .min(POLL_CEILING);
                let wait = http::retry_after(&response).map_or(backoff, |asked| asked.max(backoff));
                client.sleep(wait.clamp(Duration::from_millis(200), http::MAX_WAIT))?;
            }
            200 => {
                return http::read_json::<Manifest>(&mut response, MANIFEST_LIMIT)
                    .map_err(|err| PullError::Protocol(format!("the export's manifest: {err}")));
            }
            _ => {
                let text = response
                    .body_mut()
                    .with_config()
                    .limit(1 << 20)
                    .lossy_utf8(true)
                    .read_to_string()
                    .unwrap_or_default();
                if http::is_transient(&text) && transient + 1 < TRANSIENT_ATTEMPTS {
                    transient += 1;
                    progress(&format!(
                        "the server had a transient error; asking again ({transient})"
                    ));
                    client.sleep(http::retry_after(&response).unwrap_or(Duration::from_secs(1)))?;
                    continue;
                }
                let reason = http::reason_in(&text).unwrap_or_else(|| "no reason given".into());
                return Err(refusal(status, "the export", &reason));
            }
        }
    }
}

/// Asks the server to delete the job (and its files). Best effort: the answer is reported,
/// never retried for long (one that goes unanswered is not sent again).
pub fn delete(client: &Client, job: &Job) -> Result<(), PullError> {
    let mut response = client.request_unrepeated(
        Method::Delete,
        &job.status_url,
        "application/json",
        &[],
        true,
    )?;
    let status = response.status().as_u16();
    if response.status().is_success() {
        Ok(())
    } else {
        Err(PullError::Export(format!(
            "the server did not delete the export job ({status}): {}",
            http::error_reason(&mut response)
        )))
    }
}

/// A downloaded file.
#[derive(Debug, Clone)]
pub struct Downloaded {
    pub entry: FileEntry,
    pub path: PathBuf,
    /// Its lines (resources, for NDJSON).
    pub lines: u64,
}

/// Downloads `entries` into `folder` as `name(index, entry)`, `parallel` at a time. The first
/// failure stops the others; no file is returned unless all of them arrived whole.
pub fn download_all(
    client: &Client,
    entries: &[FileEntry],
    authorised: bool,
    folder: &Path,
    name: &(dyn Fn(usize, &FileEntry) -> String + Sync),
    parallel: usize,
    bytes: &AtomicU64,
) -> Result<Vec<Downloaded>, PullError> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Downloaded>>> = Mutex::new(vec![None; entries.len()]);
    let first_error: Mutex<Option<PullError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..parallel.clamp(1, entries.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= entries.len() || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let entry = &entries[index];
                    let path = folder.join(name(index, entry));
                    match download(client, entry, authorised, &path, bytes, &stop) {
                        Ok(lines) => {
                            if let Ok(mut results) = results.lock() {
                                results[index] = Some(Downloaded {
                                    entry: entry.clone(),
                                    path,
                                    lines,
                                });
                            }
                        }
                        Err(err) => {
                            stop.store(true, Ordering::Relaxed);
                            if let Ok(mut first) = first_error.lock()
                                && first.is_none()
                            {
                                *first = Some(err);
                            }
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(err) = first_error
        .into_inner()
        .map_err(|_| PullError::Internal("a download thread".into()))?
    {
        return Err(err);
    }
    results
        .into_inner()
        .map_err(|_| PullError::Internal("a download thread".into()))?
        .into_iter()
        .map(|done| done.ok_or_else(|| PullError::Internal("a file was not downloaded".into())))
        .collect()
}

/// One file into `path` (created readable by its owner only: it holds health data), retried
/// from the start if the transfer breaks off. Returns its line count.
fn download(
    client: &Client,
    entry: &FileEntry,
    authorised: bool,
    path: &Path,
    bytes: &AtomicU64,
    stop: &AtomicBool,
) -> Result<u64, PullError> {
    let name = entry
        .url
        .rsplit('/')
        .next()
        .unwrap_or(&entry.url)
        .to_owned();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut response = client.request(
            Method::Get,
            &entry.url,
            "application/fhir+ndjson",
            &[],
            authorised,
        )?;
        let status = response.status().as_u16();
        if status != 200 {
            let reason = http::error_reason(&mut response);
            return Err(match status {
                401 | 403 => {
                    PullError::Denied(format!("the file {name} was refused ({status}): {reason}"))
                }
                _ => PullError::Download(format!("the file {name} failed ({status}): {reason}")),
            });
        }
        let mut reader = response.into_body().into_reader();
        let mut file = BufWriter::new(create_private(path)?);
        let mut buf = vec![0u8; 64 * 1024];
        let mut lines = 0u64;
        let mut last = b'\n';
        // This attempt's bytes, taken back from the total if it breaks off: the total is what
        // the files hold, not what crossed the wire.
        let mut counted = 0u64;
        let copied: Result<(), std::io::Error> = loop {
            if client.cancelled() || stop.load(Ordering::Relaxed) {
                return Err(PullError::Cancelled);
            }
            match reader.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    // Counted as the bytes pass (a crate for it would not pay: the disk write
                    // costs more).
                    #[allow(clippy::naive_bytecount)]
                    let newlines = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                    lines += newlines;
                    last = buf[n - 1];
                    bytes.fetch_add(n as u64, Ordering::Relaxed);
                    counted += n as u64;
                    if let Err(err) = file.write_all(&buf[..n]) {
                        return Err(PullError::Local(format!(
                            "cannot write {}: {err}",
                            path.display()
                        )));
                    }
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => break Err(err),
            }
        };
        match copied {
            Ok(()) => {
                file.flush().map_err(|err| {
                    PullError::Local(format!("cannot write {}: {err}", path.display()))
                })?;
                if last != b'\n' {
                    lines += 1;
                }
                return Ok(lines);
            }
            Err(err) if attempt < DOWNLOAD_ATTEMPTS => {
                let _ = err;
                bytes.fetch_sub(counted, Ordering::Relaxed);
                client.sleep(Duration::from_secs(u64::from(attempt)))?;
            }
            Err(err) => {
                return Err(PullError::Download(format!(
                    "the file {name} broke off {attempt} times: {}",
                    crate::text::one_line(&err.to_string())
                )));
            }
        }
    }
}

fn create_private(path: &Path) -> Result<File, PullError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|err| PullError::Local(format!("cannot create {}: {err}", path.display())))
}

/// Percent-encodes a query value or a path segment (everything but RFC 3986's unreserved).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~,".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode("2024-01-02T03:04:05.000+01:00"),
            "2024-01-02T03%3A04%3A05.000%2B01%3A00"
        );
        assert_eq!(encode("Patient,Condition"), "Patient,Condition");
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn a_manifest_reads() {
        let manifest: Manifest = serde_json::from_str(
            r#"{"transactionTime":"2024-01-01T00:00:00Z","request":"x","requiresAccessToken":true,
                "output":[{"type":"Patient","url":"http://s/1.Patient.ndjson","count":3}],
                "error":[]}"#,
        )
        .unwrap();
        assert!(manifest.requires_access_token);
        assert_eq!(manifest.output[0].count, Some(3));
        assert!(manifest.deleted.is_empty());
    }
}
