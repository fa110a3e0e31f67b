//! `refract pull` against the real SMART Bulk Data reference server (`../shared/servers/`):
//! a full export with the server's counts, an incremental pull that changes nothing, Backend
//! Services authorisation (the right key accepted, a wrong one refused, a readable key refused),
//! and each of the server's simulated errors giving its one-line reason.
//!
//! The server: `$REFRACT_BULK_SERVER` (its FHIR base URL), else the one
//! `../shared/servers/bulk-data-server.sh start` starts or finds (`.ci/run` starts it first).
//! Without it the tests print a note and pass, unless `CI` is set: then its absence fails them.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use tempfile::TempDir;

/// The reference server rate-limits its status endpoint (60 requests a minute per client, then
/// 5 minutes' block): the tests pull one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The server's root (`http://127.0.0.1:PORT`), or `None` (with a note) when there is none and
/// this is not CI.
fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let found = find_server();
            match (&found, std::env::var_os("CI").is_some()) {
                (Ok(url), _) => Some(
                    url.trim_end_matches('/')
                        .trim_end_matches("/fhir")
                        .to_owned(),
                ),
                (Err(why), true) => {
                    panic!("CI is set and the Bulk Data server is not reachable: {why}")
                }
                (Err(why), false) => {
                    eprintln!(
                        "note: skipping the pull tests: the Bulk Data reference server is not \
                         reachable ({why}); start it with ../shared/servers/bulk-data-server.sh \
                         start, or set REFRACT_BULK_SERVER"
                    );
                    None
                }
            }
        })
        .as_deref()
}

fn find_server() -> Result<String, String> {
    if let Some(url) = std::env::var_os("REFRACT_BULK_SERVER").filter(|u| !u.is_empty()) {
        let url = url.to_string_lossy().into_owned();
        return answers(&url)
            .then_some(url.clone())
            .ok_or(format!("{url} does not answer"));
    }
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/servers/bulk-data-server.sh");
    if !script.is_file() {
        return Err(format!("no {}", script.display()));
    }
    let started = Command::new("bash")
        .arg(&script)
        .arg("start")
        .output()
        .map_err(|err| err.to_string())?;
    let url = String::from_utf8_lossy(&started.stdout).trim().to_owned();
    if started.status.success() && answers(&url) {
        Ok(url)
    } else {
        Err(String::from_utf8_lossy(&started.stderr).trim().to_owned())
    }
}

fn answers(base: &str) -> bool {
    ureq::get(&format!("{}/metadata", base.trim_end_matches('/')))
        .call()
        .is_ok_and(|r| r.status().is_success())
}

/// The FHIR base URL with the server's simulation settings encoded in it.
fn base(root: &str, settings: &serde_json::Value) -> String {
    if settings.as_object().is_some_and(serde_json::Map::is_empty) {
        return format!("{root}/fhir");
    }
    format!("{root}/{}/fhir", B64.encode(settings.to_string()))
}

struct Env {
    dir: TempDir,
    db: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("team.db");
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        Env { dir, db }
    }

    /// What pulls left in their temporary folder (nothing, once they end).
    fn left_behind(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.dir.path().join("tmp"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_refract"));
        cmd.env_remove("REFRACT_DB")
            .env_remove("REFRACT_SERVERS")
            .env("USER", "pull-test")
            .env("TMPDIR", self.dir.path().join("tmp"))
            .arg("--db")
            .arg(&self.db)
            .args(args);
        cmd
    }

    fn refract(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn pull_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["pull", "--json"];
        all.extend_from_slice(args);
        let out = self.refract(&all);
        assert!(
            out.status.success(),
            "pull failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// A pull that must fail: its one-line reason.
    fn pull_fails(&self, args: &[&str]) -> String {
        let mut all = vec!["pull"];
        all.extend_from_slice(args);
        let out = self.refract(&all);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let last = stderr.lines().last().unwrap_or("").to_owned();
        assert!(last.starts_with("refract: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        last
    }

    fn patients(&self) -> usize {
        if !self.db.exists() {
            return 0;
        }
        let out = self.refract(&["patients", "--json"]);
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
            .unwrap()
            .len()
    }

    /// A test key, copied to a file only its owner reads.
    fn key(&self, name: &str) -> PathBuf {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pull")
            .join(name);
        let to = self.dir.path().join(name);
        std::fs::copy(from, &to).unwrap();
        set_mode(&to, 0o600);
        to
    }

    /// Registers `key`'s public half with the server: the client id it issues.
    fn register(
        &self,
        root: &str,
        key: &Path,
        error: Option<&str>,
        minutes: Option<u32>,
    ) -> String {
        let out = self.refract(&["pull", "--print-jwks", "--key", key.to_str().unwrap()]);
        assert!(out.status.success(), "{out:?}");
        let jwks = String::from_utf8(out.stdout).unwrap();
        let mut form = vec![("jwks", jwks)];
        if let Some(error) = error {
            form.push(("err", error.to_owned()));
        }
        if let Some(minutes) = minutes {
            form.push(("dur", minutes.to_string()));
        }
        let mut response = ureq::post(&format!("{root}/auth/register"))
            .send_form(form.iter().map(|(k, v)| (*k, v.as_str())))
            .unwrap();
        assert!(response.status().is_success());
        response.body_mut().read_to_string().unwrap()
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The server's own count of each resource type.
fn server_counts(root: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut response = ureq::get(&format!("{root}/fhir/$get-resource-counts"))
        .call()
        .unwrap();
    let counts: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    counts["parameter"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["valueInteger"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_full_export_is_imported_with_the_servers_counts_and_a_second_pull_changes_nothing() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    let url = base(root, &serde_json::json!({}));
    let first = env.pull_json(&["--server", &url]);
    let counts = server_counts(root);
    let types: Vec<&str> = first["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    // What refract reads that this server has.
    assert_eq!(
        types,
        [
            "Patient",
            "Condition",
            "MedicationRequest",
            "Observation",
            "DiagnosticReport",
            "Procedure",
            "AllergyIntolerance",
            "CareTeam"
        ]
    );
    for kind in &types {
        assert_eq!(first["resources"][kind], counts[*kind], "{kind}: {first:#}");
        assert_eq!(first["server_counts"][kind], counts[*kind], "{kind}");
    }
    let import = &first["import"];
    assert_eq!(import["failed"], 0);
    assert_eq!(import["new_patients"], counts["Patient"]);
    assert_eq!(import["conditions"], counts["Condition"]);
    assert_eq!(import["exposures"], counts["MedicationRequest"]);
    assert_eq!(import["procedures"], counts["Procedure"]);
    assert_eq!(env.patients() as u64, counts["Patient"].as_u64().unwrap());
    assert!(first["job_not_deleted"].is_null(), "{first:#}");
    assert!(first["since"].is_null());
    assert!(env.left_behind().is_empty(), "{:?}", env.left_behind());

    // Incremental: only what changed since the first pull's transaction time (nothing).
    let second = env.pull_json(&["--server", &url, "--since", "auto"]);
    assert_eq!(second["since"], first["transaction_time"]);
    assert_eq!(second["files"], 0, "{second:#}");
    assert!(second["import"].is_null());
    assert_eq!(env.patients() as u64, counts["Patient"].as_u64().unwrap());

    // `check` shows the last pull.
    let check = env.refract(&["check"]);
    let text = String::from_utf8_lossy(&check.stdout);
    let line = text.lines().find(|l| l.starts_with("last pull: ")).unwrap();
    // Under the source's spelling: the loopback is `localhost`.
    assert!(
        line.contains(&url.replacen("127.0.0.1", "localhost", 1)),
        "{line}"
    );
    assert!(line.contains("0 resource(s) in 0 file(s)"), "{line}");

    // A pull with an explicit date asks from it (today: the server's data is older).
    let today = &first["transaction_time"].as_str().unwrap()[..10];
    let dated = env.pull_json(&["--server", &url, "--since", today, "--type", "Patient"]);
    assert_eq!(dated["since"], format!("{today}T00:00:00Z"));
    assert_eq!(dated["files"], 0);
}

#[test]
fn a_group_export_and_a_dry_run() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    let url = base(root, &serde_json::json!({}));
    // A dry run downloads and counts, and writes no database.
    let dry = env.pull_json(&["--server", &url, "--type", "Patient", "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["resources"]["Patient"], server_counts(root)["Patient"]);
    assert!(!env.db.exists());
    // A group-level export brings the group's patients only.
    let group = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--group",
        "BlueCrossBlueShield",
    ]);
    let patients = group["resources"]["Patient"].as_u64().unwrap();
    assert!(patients > 0 && patients < 100, "{group:#}");
    assert_eq!(env.patients() as u64, patients);
    // This server answers a group it does not know with an empty export.
    let unknown = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient",
        "--group",
        "no-such-group",
    ]);
    assert_eq!(unknown["files"], 0);
    assert_eq!(env.patients() as u64, patients);
}

#[test]
fn backend_services_the_right_key_is_accepted_and_a_wrong_one_refused() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    let url = base(root, &serde_json::json!({ "secure": true }));

    // Without credentials.
    let refused = env.pull_fails(&["--server", &url, "--type", "Patient"]);
    assert!(refused.contains("Authentication is required"), "{refused}");
    assert!(refused.contains("--client-id"), "{refused}");
    assert_eq!(env.patients(), 0);

    // ES384 with a JWK.
    let ec = env.key("ec-test-key.jwk");
    let client = env.register(root, &ec, None, None);
    let pulled = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient",
        "--client-id",
        &client,
        "--key",
        ec.to_str().unwrap(),
    ]);
    assert_eq!(pulled["resources"]["Patient"], 100);
    assert!(pulled["tokens"].as_u64().unwrap() >= 1);
    assert_eq!(env.patients(), 100);

    // Another key that names itself the same: its signature does not verify.
    let wrong = env.key("ec-wrong-key.jwk");
    let refused = env.pull_fails(&[
        "--server",
        &url,
        "--type",
        "Patient",
        "--client-id",
        &client,
        "--key",
        wrong.to_str().unwrap(),
    ]);
    assert!(refused.contains("authorisation failed"), "{refused}");
    assert!(refused.contains("Unable to verify the token"), "{refused}");

    // RS384 with a PEM key, through a servers file, and a narrower scope.
    let rsa = env.key("rsa-test-key.pem");
    let rsa_client = env.register(root, &rsa, None, None);
    let config = env.dir.path().join("servers.toml");
    std::fs::write(
        &config,
        format!(
            "[servers.hospital]\nurl = \"{url}\"\nclient_id = \"{rsa_client}\"\nkey = \"rsa-test-key.pem\"\n\
             scope = \"system/Patient.read system/Condition.read\"\ntypes = [\"Patient\", \"Condition\"]\n"
        ),
    )
    .unwrap();
    let pulled = env.pull_json(&["--server", "hospital", "--config", config.to_str().unwrap()]);
    assert_eq!(
        pulled["resources"]["Condition"],
        server_counts(root)["Condition"]
    );
    // The same server by its URL: one source, so its patients are not duplicated.
    assert_eq!(pulled["import"]["added"], server_counts(root)["Condition"]);
    assert_eq!(pulled["import"]["new_patients"], 0);
    assert_eq!(env.patients(), 100);

    // A key others can read is refused before anything is sent.
    set_mode(&rsa, 0o644);
    let refused = env.pull_fails(&["--server", "hospital", "--config", config.to_str().unwrap()]);
    assert!(refused.contains("can be read by others"), "{refused}");
    set_mode(&rsa, 0o600);
    // A scope that writes is refused.
    let refused = env.pull_fails(&[
        "--server",
        "hospital",
        "--config",
        config.to_str().unwrap(),
        "--scope",
        "system/*.write",
    ]);
    assert!(refused.contains("only reads"), "{refused}");

    // No secret reached the database: not the key, not the client's assertion or token.
    let bytes = std::fs::read(&env.db).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let key_text = std::fs::read_to_string(&ec).unwrap();
    let d: serde_json::Value = serde_json::from_str(&key_text).unwrap();
    assert!(!text.contains(d["d"].as_str().unwrap()));
    assert!(!text.contains("Bearer"));
    assert!(!text.contains("client_assertion"));
    assert!(!text.contains("access_token"));
}

#[test]
fn a_token_that_expires_during_the_pull_is_renewed() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    // A renewal margin as long as the token's life (the server's shortest, one minute) makes
    // every token stale as soon as it is granted: each request of the pull needs a new one,
    // whatever the speed of the machine. A second token proves the renewal; the pull finishing
    // with every Patient proves nothing was sent with a stale one.
    let url = base(root, &serde_json::json!({ "secure": true, "m": 2 }));
    let ec = env.key("ec-test-key.jwk");
    let client = env.register(root, &ec, None, Some(1));
    let out = env
        .command(&[
            "pull",
            "--json",
            "--server",
            &url,
            "--type",
            "Patient,Condition",
            "--client-id",
            &client,
            "--key",
            ec.to_str().unwrap(),
        ])
        .env("REFRACT_TOKEN_RENEW_SECONDS", "60")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(pulled["tokens"].as_u64().unwrap() >= 2, "{pulled:#}");
    assert_eq!(pulled["resources"]["Patient"], 200);
}

#[test]
fn the_servers_simulated_errors_each_give_their_reason_and_import_nothing() {
    let Some(root) = server() else { return };
    let _one = serial();
    let cases: &[(&str, &str)] = &[
        ("file_generation_failed", "File generation failed"),
        ("file_expired", "expired"),
    ];
    for (error, words) in cases {
        let env = Env::new();
        let url = base(root, &serde_json::json!({ "err": error }));
        let reason = env.pull_fails(&["--server", &url, "--type", "Patient,Condition"]);
        assert!(reason.contains(words), "{error}: {reason}");
        assert_eq!(env.patients(), 0, "{error}");
        let check = env.refract(&["check"]);
        assert!(
            !env.db.exists() || String::from_utf8_lossy(&check.stdout).contains("last pull: none"),
            "{error}"
        );
    }
    // A transient error at the status endpoint: asked again, and the pull completes.
    let env = Env::new();
    let url = base(root, &serde_json::json!({ "err": "transient_error" }));
    let pulled = env.pull_json(&["--server", &url, "--type", "Patient"]);
    assert_eq!(pulled["resources"]["Patient"], 100);
    // Some files fail on the server: its error files are in the summary, and the pull is
    // recorded as incomplete (`--since auto` starts from the last complete one).
    let env = Env::new();
    let url = base(
        root,
        &serde_json::json!({ "err": "some_file_generation_failed" }),
    );
    // What came is in, and the pull exits 1 (review pull P5).
    let out = env.refract(&[
        "pull",
        "--json",
        "--server",
        &url,
        "--type",
        "Patient,Condition",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error(s) in its export"), "{stderr}");
    assert!(stderr.contains("recorded as incomplete"), "{stderr}");
    let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(pulled["errors_total"].as_u64().unwrap() > 0, "{pulled:#}");
    assert!(
        pulled["errors"][0]
            .as_str()
            .unwrap()
            .contains("Failed to export"),
        "{pulled:#}"
    );
    // (The dry run meets the server's errors again, and exits 1 for them.)
    let out = env.refract(&[
        "pull",
        "--json",
        "--server",
        &url,
        "--type",
        "Patient",
        "--since",
        "auto",
        "--dry-run",
    ]);
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(again["since"].is_null(), "{again:#}");

    // The authorisation errors the server simulates.
    let secure = base(root, &serde_json::json!({ "secure": true }));
    let token_cases: &[(&str, &str)] = &[
        ("token_invalid_token", "Simulated invalid token error"),
        (
            "token_expired_registration_token",
            "Registration token expired",
        ),
        ("token_invalid_scope", "Simulated invalid scope error"),
        ("invalid_jti", "Invalid 'jti' value"),
        ("request_invalid_token", "Invalid token"),
        ("request_expired_token", "Token expired"),
    ];
    for (error, words) in token_cases {
        let env = Env::new();
        let ec = env.key("ec-test-key.jwk");
        let client = env.register(root, &ec, Some(error), None);
        let reason = env.pull_fails(&[
            "--server",
            &secure,
            "--type",
            "Patient",
            "--client-id",
            &client,
            "--key",
            ec.to_str().unwrap(),
        ]);
        assert!(reason.contains(words), "{error}: {reason}");
        assert_eq!(env.patients(), 0, "{error}");
    }
}

#[test]
fn an_unreachable_server_is_one_line() {
    // Needs no reference server: a port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let env = Env::new();
    let reason = env.pull_fails(&[
        "--server",
        &format!("http://127.0.0.1:{port}/fhir"),
        "--type",
        "Patient",
    ]);
    assert!(reason.contains("cannot reach the server"), "{reason}");
    assert!(reason.contains("connection refused"), "{reason}");
    assert_eq!(env.patients(), 0);
}

#[test]
fn ctrl_c_while_the_server_prepares_cancels_cleanly() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    // A larger export, so that there is time to press Ctrl-C while the server works on it.
    let url = base(root, &serde_json::json!({ "m": 20 }));
    let mut child = env
        .command(&["pull", "--server", &url])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    // Wait for the server's first progress report, then Ctrl-C.
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let asked = line.contains("server:");
        seen.push(line);
        if asked {
            break;
        }
    }
    assert!(seen.iter().any(|l| l.contains("server:")), "{seen:?}");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{seen:?} {rest:?}");
    let last = rest.last().unwrap();
    assert!(last.contains("cancelled"), "{rest:?}");
    assert!(last.contains("nothing was imported"), "{rest:?}");
    assert_eq!(env.patients(), 0);
    assert!(env.left_behind().is_empty(), "{:?}", env.left_behind());
}

/// One scripted answer: status, headers, body.
type Answer = (u16, Vec<(String, String)>, String);

/// A scripted HTTP peer on loopback: answers each request with the next of the answers `script`
/// makes for its address, closing the connection after each, and returns the request lines
/// with when they came. For what the reference server cannot be made to do without blocking
/// every other test (its rate limiter answers 429 for five minutes): 429 and 503 with
/// `Retry-After`.
fn scripted(
    script: impl FnOnce(&str) -> Vec<Answer>,
) -> (
    String,
    std::thread::JoinHandle<Vec<(String, std::time::Instant)>>,
) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let root = format!("http://{}", listener.local_addr().unwrap());
    let answers = script(&root);
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, headers, body) in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            seen.push((
                head.lines().next().unwrap_or("").to_owned(),
                std::time::Instant::now(),
            ));
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                out.push_str(&name);
                out.push_str(": ");
                out.push_str(&value);
                out.push_str("\r\n");
            }
            out.push_str("\r\n");
            out.push_str(&body);
            stream.write_all(out.as_bytes()).unwrap();
        }
        seen
    });
    (root, handle)
}

#[test]
fn busy_answers_are_waited_out_as_retry_after_asks() {
    let header = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
    let env = Env::new();
    // 429 at the kick-off, 503 at the status URL: each waited out, then the export completes.
    let (root, peer) = scripted(|root| {
        vec![
            (429, header("Retry-After", "1"), "Too Many Requests".into()),
            (202, header("Content-Location", &format!("{root}/status/1")), String::new()),
            (503, header("Retry-After", "2"), String::new()),
            (
                200,
                header("Content-Type", "application/json"),
                r#"{"transactionTime":"2026-01-01T00:00:00Z","requiresAccessToken":false,"output":[],"error":[]}"#.into(),
            ),
            (202, Vec::new(), String::new()),
        ]
    });
    let pulled = env.pull_json(&["--server", &format!("{root}/fhir"), "--type", "Patient"]);
    assert_eq!(pulled["transaction_time"], "2026-01-01T00:00:00Z");
    let seen = peer.join().unwrap();
    let lines: Vec<&str> = seen.iter().map(|(l, _)| l.as_str()).collect();
    assert!(lines[0].starts_with("GET /fhir/$export?"), "{lines:?}");
    assert!(lines[1].starts_with("GET /fhir/$export?"), "{lines:?}");
    assert!(lines[2].starts_with("GET /status/1"), "{lines:?}");
    assert!(lines[3].starts_with("GET /status/1"), "{lines:?}");
    assert!(lines[4].starts_with("DELETE /status/1"), "{lines:?}");
    assert!(seen[1].1 - seen[0].1 >= std::time::Duration::from_millis(950));
    assert!(seen[3].1 - seen[2].1 >= std::time::Duration::from_millis(1950));

    // A server that asks to wait an hour: refused at once, in one line, the job deleted.
    let (root, peer) = scripted(|root| {
        vec![
            (
                202,
                header("Content-Location", &format!("{root}/status/2")),
                String::new(),
            ),
            (429, header("Retry-After", "3600"), String::new()),
            (202, Vec::new(), String::new()),
        ]
    });
    let reason = env.pull_fails(&["--server", &format!("{root}/fhir"), "--type", "Patient"]);
    assert!(reason.contains("429 Too Many Requests"), "{reason}");
    assert!(reason.contains("3600s"), "{reason}");
    let seen = peer.join().unwrap();
    assert!(seen[2].0.starts_with("DELETE /status/2"), "{seen:?}");
    assert_eq!(env.patients(), 0);
}

/// A transient error now and then while the job goes on (tester P6: the reference server's
/// `transient_error` came back three times over a long export, and the pull failed at 17 %): the
/// budget is for errors in a row, counted again after an answer that shows the job going on.
#[test]
fn transient_errors_between_answers_of_progress_do_not_end_the_pull() {
    let header = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
    let transient = || {
        (
            500,
            header("Retry-After", "1"),
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient","diagnostics":"Please try again."}]}"#
                .to_owned(),
        )
    };
    let going_on = || (202, header("Retry-After", "1"), String::new());
    let env = Env::new();
    let (root, peer) = scripted(|root| {
        vec![
            (202, header("Content-Location", &format!("{root}/status/1")), String::new()),
            transient(),
            going_on(),
            transient(),
            going_on(),
            transient(),
            transient(),
            (
                200,
                header("Content-Type", "application/json"),
                r#"{"transactionTime":"2026-01-01T00:00:00Z","requiresAccessToken":false,"output":[],"error":[]}"#.into(),
            ),
            (202, Vec::new(), String::new()),
        ]
    });
    let pulled = env.pull_json(&["--server", &format!("{root}/fhir"), "--type", "Patient"]);
    assert_eq!(pulled["transaction_time"], "2026-01-01T00:00:00Z");
    let seen = peer.join().unwrap();
    assert!(seen[8].0.starts_with("DELETE /status/1"), "{seen:?}");
}

#[test]
fn an_incremental_pull_applies_the_servers_deleted_files() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    // The reference server, asked with _since, lists about 10% of the resources as deleted.
    let url = base(root, &serde_json::json!({ "del": 10 }));
    let first = env.pull_json(&["--server", &url, "--type", "Patient,Condition"]);
    assert_eq!(first["deleted"], 0);
    let conditions = first["import"]["conditions"].as_u64().unwrap();
    let second = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--since",
        "2000-01-01",
    ]);
    let deleted = second["deleted"].as_u64().unwrap();
    assert!(deleted > 0, "{second:#}");
    let removed = second["deletions"]["removed"].as_u64().unwrap();
    assert!(removed > 0 && removed <= deleted, "{second:#}");
    // The removed conditions are gone from the patients' records.
    let shown: u64 = serde_json::from_slice::<Vec<serde_json::Value>>(
        &env.refract(&["patients", "--json"]).stdout,
    )
    .unwrap()
    .len() as u64;
    assert_eq!(shown, 100);
    let check = env.refract(&["check"]);
    assert!(check.status.success(), "{check:?}");
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM conditions", [], |row| row.get(0))
        .unwrap();
    assert_eq!(left as u64, conditions - removed);
}

/// An export without `_since` lists no deletions (Bulk Data IG): when `--since auto` must ask
/// everything for a type (never pulled, or a file whose pulls predate the checkpoints), the
/// deletions since the server's first pull are asked too, and applied.
#[test]
fn since_auto_that_asks_everything_still_applies_the_deletions() {
    let Some(root) = server() else { return };
    let _one = serial();
    // The reference server, asked with _since, lists about 10% of the resources as deleted.
    let url = base(root, &serde_json::json!({ "del": 10 }));

    // The reference server's resources were last changed years ago, and it lists as deleted
    // only resources changed after `_since`: the first pulls are dated back to before them.
    let long_ago = |env: &Env| {
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        conn.execute(
            "UPDATE pulls SET transaction_time = '2000-01-01T00:00:00Z'",
            [],
        )
        .unwrap();
    };
    // A type never pulled.
    let env = Env::new();
    env.pull_json(&["--server", &url, "--type", "Patient"]);
    long_ago(&env);
    let auto = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--since",
        "auto",
    ]);
    assert!(auto["since"].is_null(), "{auto:#}");
    assert!(auto["deleted"].as_u64().unwrap() > 0, "{auto:#}");
    let removed = auto["deletions"]["removed"].as_u64().unwrap();
    assert!(removed > 0, "{auto:#}");
    let brought = auto["import"]["conditions"].as_u64().unwrap();
    assert!(stored_conditions(&env) < i64::try_from(brought).unwrap());

    // A pull recorded before checkpoints were kept (migration 0027 leaves it none).
    let env = Env::new();
    env.pull_json(&["--server", &url, "--type", "Patient,Condition"]);
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.execute("DELETE FROM pull_checkpoints", []).unwrap();
    drop(conn);
    long_ago(&env);
    let auto = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--since",
        "auto",
    ]);
    assert!(auto["since"].is_null(), "{auto:#}");
    assert!(
        auto["deletions"]["removed"].as_u64().unwrap() > 0,
        "{auto:#}"
    );
    let check = env.refract(&["check"]);
    assert!(check.status.success(), "{check:?}");
    assert!(env.left_behind().is_empty());
}

/// The conditions the file holds (every patient's).
fn stored_conditions(env: &Env) -> i64 {
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.query_row("SELECT count(*) FROM conditions", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn since_auto_asks_everything_for_what_no_earlier_pull_brought_completely() {
    let Some(root) = server() else { return };
    let _one = serial();
    let url = base(root, &serde_json::json!({}));
    let counts = server_counts(root);
    let all_patients = counts["Patient"].as_u64().unwrap();

    // A `--type Patient` pull is no checkpoint for the conditions.
    let env = Env::new();
    env.pull_json(&["--server", &url, "--type", "Patient"]);
    let auto = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--since",
        "auto",
    ]);
    assert!(auto["since"].is_null(), "{auto:#}");
    assert_eq!(
        stored_conditions(&env),
        counts["Condition"].as_i64().unwrap()
    );
    // Now both types have one: the next asks from it.
    let again = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--since",
        "auto",
    ]);
    assert_eq!(again["since"], auto["transaction_time"], "{again:#}");

    // A group's pull is no checkpoint for the whole server.
    let env = Env::new();
    let group = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient",
        "--group",
        "BlueCrossBlueShield",
    ]);
    assert!(group["resources"]["Patient"].as_u64().unwrap() < all_patients);
    let system = env.pull_json(&["--server", &url, "--type", "Patient", "--since", "auto"]);
    assert!(system["since"].is_null(), "{system:#}");
    assert_eq!(env.patients() as u64, all_patients);
    // A system-level pull is one for every group.
    let grouped = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient",
        "--group",
        "BlueCrossBlueShield",
        "--since",
        "auto",
    ]);
    assert_eq!(grouped["since"], system["transaction_time"], "{grouped:#}");

    // A pull from a date into a file that had nothing before leaves the earlier data out.
    let env = Env::new();
    env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient",
        "--since",
        "2020-01-01",
    ]);
    let auto = env.pull_json(&["--server", &url, "--type", "Patient", "--since", "auto"]);
    assert!(auto["since"].is_null(), "{auto:#}");
    assert_eq!(env.patients() as u64, all_patients);
}

#[test]
fn one_server_written_two_ways_is_one_source() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    let url = base(root, &serde_json::json!({}));
    let first = env.pull_json(&["--server", &url, "--type", "Patient,Condition"]);
    let conditions = stored_conditions(&env);
    assert!(first["import"]["added"].as_u64().unwrap() > 0);
    // The scheme and host in capitals, the default port... and a trailing slash.
    let shouting = format!("{}/", url.replacen("http://", "HTTP://", 1));
    let second = env.pull_json(&["--server", &shouting, "--type", "Patient,Condition"]);
    assert_eq!(second["import"]["added"], 0, "{second:#}");
    assert_eq!(stored_conditions(&env), conditions);
    assert_eq!(env.patients(), 100);
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let sources: Vec<String> = conn
        .prepare("SELECT DISTINCT source FROM fhir_resources")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Kept as `localhost`: every spelling of the loopback is one server.
    assert_eq!(sources, [url.replacen("127.0.0.1", "localhost", 1)]);

    // `import --source`: https, a trailing slash, the host's case and a default port written.
    let file = env.dir.path().join("one.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"resourceType":"Patient","id":"two-ways","identifier":[{"system":"urn:test:mrn","value":"two-ways-1"}],"name":[{"family":"Twice","given":["Ann"]}],"birthDate":"1970-01-01"}"#,
            "\n",
            r#"{"resourceType":"Condition","id":"two-ways-c","subject":{"reference":"Patient/two-ways"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"35489007"}]},"onsetDateTime":"2020-01-01"}"#,
            "\n"
        ),
    )
    .unwrap();
    let import = |source: &str| {
        let out = env.refract(&[
            "import",
            "--json",
            "--source",
            source,
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let secure = url.replacen("http://127.0.0.1", "https://127.0.0.1", 1);
    let imported = import(&format!("{secure}/"));
    assert_eq!(imported["conditions"], 1, "{imported:#}");
    let again = import(&url.replacen("http://", "Http://", 1));
    assert_eq!(again["added"], 0, "{again:#}");
    assert_eq!(stored_conditions(&env), conditions + 1);
}

#[test]
fn a_refused_file_is_named_whole_and_the_pull_says_what_it_imported() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    // Each file twice, the copies' ids regenerated (`o1-`) with their identifiers kept: the
    // file mixing both is refused, the other is imported.
    let url = base(root, &serde_json::json!({ "m": 2, "page": 150 }));
    let out = env.refract(&["pull", "--json", "--server", &url, "--type", "Patient"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refused = summary["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{summary:#}");
    let imported = summary["import"]["patients"].as_u64().unwrap();
    assert!(imported > 0, "{summary:#}");
    assert_eq!(env.patients() as u64, imported);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().last().unwrap();
    assert!(
        line.starts_with("refract: pull: the import refused "),
        "{line}"
    );
    assert!(!line.contains('…'), "{line}");
    assert!(line.contains("share the identifier"), "{line}");
    assert_eq!(line.matches("Patient/").count(), 2, "{line}");
    // Incomplete: the next `--since auto` asks everything again.
    let out = env.refract(&[
        "pull", "--json", "--server", &url, "--type", "Patient", "--since", "auto",
    ]);
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(again["since"].is_null(), "{again:#}");
}

/// Every spelling of the loopback (`localhost`, `127.0.0.1`, `[::1]`) with the same port and
/// path is one server: one source, each record once.
#[test]
fn every_spelling_of_the_loopback_is_one_server() {
    let Some(root) = server() else { return };
    let _one = serial();
    let env = Env::new();
    let url = base(root, &serde_json::json!({}));
    let Some((_, rest)) = url.split_once("://127.0.0.1:") else {
        eprintln!("note: the server is not on 127.0.0.1 ({url}): loopback spellings not tried");
        return;
    };
    let first = env.pull_json(&["--server", &url, "--type", "Patient,Condition"]);
    assert!(first["import"]["added"].as_u64().unwrap() > 0);
    let conditions = stored_conditions(&env);
    for host in ["localhost", "[::1]", "LOCALHOST"] {
        let spelled = format!("http://{host}:{rest}");
        if !answers(&spelled) {
            eprintln!("note: {spelled} does not answer here: not tried");
            continue;
        }
        let again = env.pull_json(&["--server", &spelled, "--type", "Patient,Condition"]);
        assert_eq!(again["import"]["added"], 0, "{spelled}: {again:#}");
    }
    assert_eq!(stored_conditions(&env), conditions);
    assert_eq!(env.patients(), 100);
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let sources: Vec<String> = conn
        .prepare("SELECT DISTINCT source FROM fhir_resources")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(sources, [format!("http://localhost:{rest}")]);
}

/// A peer on loopback that answers each request by its path (`answer` is given the request
/// line), until the test ends: for an export the reference server cannot make (a resource
/// deleted and created again between two exports).
fn routed(answer: impl Fn(&str, &str) -> Answer + Send + 'static) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let root = format!("http://{}", listener.local_addr().unwrap());
    let own = root.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let (status, headers, body) = answer(&own, head.lines().next().unwrap_or(""));
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                for part in [name.as_str(), ": ", value.as_str(), "\r\n"] {
                    out.push_str(part);
                }
            }
            out.push_str("\r\n");
            out.push_str(&body);
            let _ = stream.write_all(out.as_bytes());
        }
    });
    root
}

/// A resource deleted then created again at the server between two pulls: the second export
/// lists it in `deleted` and again in `output`. It stays (the export's deletions are applied
/// before its output); the one deleted for good goes.
#[test]
fn a_resource_deleted_and_created_again_between_two_pulls_stays() {
    let env = Env::new();
    let patient = r#"{"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:test:mrn","value":"again-1"}],"name":[{"family":"Again","given":["Ann"]}],"birthDate":"1970-01-01"}"#;
    let condition = |id: &str, updated: &str| {
        format!(
            r#"{{"resourceType":"Condition","id":"{id}","meta":{{"lastUpdated":"{updated}"}},"subject":{{"reference":"Patient/p1"}},"code":{{"coding":[{{"system":"http://snomed.info/sct","code":"35489007"}}]}},"onsetDateTime":"2020-01-01"}}"#
        )
    };
    let deletion = |reference: &str| {
        format!(
            r#"{{"resourceType":"Bundle","type":"transaction","entry":[{{"request":{{"method":"DELETE","url":"{reference}"}}}}]}}"#
        )
    };
    let first_conditions = format!(
        "{}\n{}\n",
        condition("again", "2025-01-01T00:00:00Z"),
        condition("gone", "2025-01-01T00:00:00Z")
    );
    let second_conditions = format!("{}\n", condition("again", "2025-03-01T00:00:00Z"));
    let deleted = format!(
        "{}\n{}\n",
        deletion("Condition/again"),
        deletion("Condition/gone")
    );
    let root = routed(move |root, line| {
        let json = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        let path = line.split(' ').nth(1).unwrap_or("");
        let since = path.contains("_since");
        if line.starts_with("DELETE") {
            return (202, Vec::new(), String::new());
        }
        if path.starts_with("/fhir/$export") {
            let job = if since { "2" } else { "1" };
            let location = vec![(
                "Content-Location".to_owned(),
                format!("{root}/status/{job}"),
            )];
            return (202, location, String::new());
        }
        match path {
            "/status/1" => (
                200,
                json,
                format!(
                    r#"{{"transactionTime":"2025-02-01T00:00:00Z","request":"x","requiresAccessToken":false,"output":[{{"type":"Patient","url":"{root}/files/Patient.ndjson"}},{{"type":"Condition","url":"{root}/files/Condition.1.ndjson"}}],"error":[]}}"#
                ),
            ),
            // Deleted listed first, then after, the output: the order of the manifest decides nothing.
            "/status/2" => (
                200,
                json,
                format!(
                    r#"{{"transactionTime":"2025-04-01T00:00:00Z","request":"x","requiresAccessToken":false,"deleted":[{{"type":"Bundle","url":"{root}/files/Condition.deleted.ndjson"}}],"output":[{{"type":"Condition","url":"{root}/files/Condition.2.ndjson"}}],"error":[]}}"#
                ),
            ),
            "/files/Patient.ndjson" => (200, Vec::new(), format!("{patient}\n")),
            "/files/Condition.1.ndjson" => (200, Vec::new(), first_conditions.clone()),
            "/files/Condition.2.ndjson" => (200, Vec::new(), second_conditions.clone()),
            "/files/Condition.deleted.ndjson" => (200, Vec::new(), deleted.clone()),
            _ => (404, Vec::new(), String::new()),
        }
    });
    let url = format!("{root}/fhir");
    let first = env.pull_json(&["--server", &url, "--type", "Patient,Condition"]);
    assert_eq!(first["import"]["conditions"], 2, "{first:#}");
    let second = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--since",
        "2025-02-01T00:00:00Z",
    ]);
    assert_eq!(second["deleted"], 2, "{second:#}");
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM fhir_resources WHERE type = 'Condition' ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids, ["again"], "{second:#}");
    assert_eq!(stored_conditions(&env), 1);
}

/// A manifest entry.
fn entry(root: &str, resource_type: &str, file: &str, count: Option<usize>) -> serde_json::Value {
    let mut entry =
        serde_json::json!({ "type": resource_type, "url": format!("{root}/files/{file}") });
    if let Some(count) = count {
        entry["count"] = count.into();
    }
    entry
}

/// A Bulk Data server on loopback serving, at `{root}/{name}/fhir`, the export `exports` gives
/// for `name` (its manifest's `output` and `error` entries, made from the root) and the files
/// `files` holds by name.
fn bulk_peer(
    exports: impl Fn(&str, &str) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) + Send + 'static,
    files: std::collections::HashMap<String, String>,
) -> String {
    routed(move |root, line| {
        let path = line.split(' ').nth(1).unwrap_or("");
        if line.starts_with("DELETE") {
            return (202, Vec::new(), String::new());
        }
        if let Some(file) = path.strip_prefix("/files/") {
            return match files.get(file) {
                Some(body) => (200, Vec::new(), body.clone()),
                None => (404, Vec::new(), String::new()),
            };
        }
        let name = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if path.contains("/$export") {
            let location = vec![(
                "Content-Location".to_owned(),
                format!("{root}/{name}/status"),
            )];
            return (202, location, String::new());
        }
        if path.ends_with("/status") {
            let (output, error) = exports(root, name);
            let manifest = serde_json::json!({
                "transactionTime": "2026-02-01T00:00:00Z", "request": "x",
                "requiresAccessToken": false, "output": output, "error": error });
            let json = vec![("Content-Type".to_owned(), "application/json".to_owned())];
            return (200, json, manifest.to_string());
        }
        (404, Vec::new(), String::new())
    })
}

fn patient_line(id: &str) -> String {
    serde_json::json!({
        "resourceType": "Patient", "id": id,
        "identifier": [{"system": "urn:test:mrn", "value": format!("mrn-{id}")}],
        "name": [{"family": "Pulled", "given": [id]}], "birthDate": "1970-01-01"})
    .to_string()
}

fn condition_line(id: &str, patient: &str) -> String {
    serde_json::json!({
        "resourceType": "Condition", "id": id,
        "subject": {"reference": format!("Patient/{patient}")},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "35489007"}]},
        "onsetDateTime": "2020-01-01"})
    .to_string()
}

/// An output file whose body is an OperationOutcome, one with fewer resources than its
/// manifest counts, and error files: each makes the pull incomplete (no checkpoint), exit 1,
/// the file named (review pull P3, P4, P5).
#[test]
fn an_output_file_that_is_an_error_or_short_of_its_count_makes_the_pull_incomplete() {
    let mut files = std::collections::HashMap::new();
    files.insert(
        "1.Patient.ndjson".to_owned(),
        format!("{}\n{}\n", patient_line("p1"), patient_line("p2")),
    );
    files.insert(
        "2.Condition.ndjson".to_owned(),
        format!("{}\n", condition_line("c1", "p1")),
    );
    files.insert(
        "3.Condition.ndjson".to_owned(),
        "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"exception\",\"diagnostics\":\"File generation failed on disk\"}]}\n".to_owned(),
    );
    files.insert(
        "err.ndjson".to_owned(),
        "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"exception\",\"diagnostics\":\"Failed to export 4.Condition.ndjson\"}]}\n".to_owned(),
    );
    let root = bulk_peer(
        |root, name| {
            let patients = entry(root, "Patient", "1.Patient.ndjson", Some(2));
            match name {
                "oo" => (
                    vec![
                        patients,
                        entry(root, "Condition", "3.Condition.ndjson", None),
                    ],
                    vec![],
                ),
                "short" => (
                    vec![
                        patients,
                        entry(root, "Condition", "2.Condition.ndjson", Some(3)),
                    ],
                    vec![],
                ),
                "errors" => (
                    vec![patients],
                    vec![entry(root, "OperationOutcome", "err.ndjson", None)],
                ),
                _ => (
                    vec![
                        patients,
                        entry(root, "Condition", "2.Condition.ndjson", Some(1)),
                    ],
                    vec![],
                ),
            }
        },
        files,
    );
    for (name, file, words) in [
        ("oo", "3.Condition.ndjson", "File generation failed on disk"),
        (
            "short",
            "2.Condition.ndjson",
            "holds 1 resource(s); the export's manifest counts 3",
        ),
        ("errors", "", "1 error(s) in its export"),
    ] {
        let env = Env::new();
        let url = format!("{root}/{name}/fhir");
        let out = env.refract(&[
            "pull",
            "--json",
            "--server",
            &url,
            "--type",
            "Patient,Condition",
        ]);
        assert_eq!(out.status.code(), Some(1), "{name}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(file) && stderr.contains(words),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains("recorded as incomplete"),
            "{name}: {stderr}"
        );
        let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(pulled["import"]["patients"], 2, "{name}: {pulled:#}");
        // No checkpoint: `--since auto` asks everything again (the dry run finds the same
        // file, and says so).
        let out = env.refract(&[
            "pull",
            "--json",
            "--server",
            &url,
            "--type",
            "Patient,Condition",
            "--since",
            "auto",
            "--dry-run",
        ]);
        let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(again["since"].is_null(), "{name}: {again:#}");
    }
    // Whole: exit 0, and a checkpoint.
    let env = Env::new();
    let url = format!("{root}/whole/fhir");
    env.pull_json(&["--server", &url, "--type", "Patient,Condition"]);
    let again = env.pull_json(&[
        "--server",
        &url,
        "--type",
        "Patient,Condition",
        "--since",
        "auto",
        "--dry-run",
    ]);
    assert_eq!(again["since"], "2026-02-01T00:00:00Z", "{again:#}");
}

/// A pull killed between two of its files (its Patients and conditions imported, its
/// procedures not): its new patients are not created from the part read, `check` says to pull
/// again, a group's pull with files of the same names does not release them, and the next
/// complete pull of the server brings them whole (review pull P1, P2, P7).
#[test]
fn new_patients_of_a_pull_killed_between_files_wait_for_the_next_complete_pull() {
    const PATIENTS: usize = 20;
    const PROCEDURES: usize = 4_000;
    let mut files = std::collections::HashMap::new();
    let (mut people, mut conditions, mut procedures) =
        (String::new(), String::new(), String::new());
    for p in 0..PATIENTS {
        let id = format!("k{p}");
        people.push_str(&patient_line(&id));
        people.push('\n');
        conditions.push_str(&condition_line(&format!("c{p}"), &id));
        conditions.push('\n');
        for n in 0..PROCEDURES {
            let procedure = serde_json::json!({
                "resourceType": "Procedure", "id": format!("x{p}-{n}"), "status": "completed",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "80146002"}],
                         "text": "a procedure whose words make the file long enough to take a while"},
                "subject": {"reference": format!("Patient/{id}")},
                "performedDateTime": format!("2019-{:02}-{:02}", n % 12 + 1, n % 28 + 1)});
            procedures.push_str(&procedure.to_string());
            procedures.push('\n');
        }
    }
    files.insert("1.Patient.ndjson".to_owned(), people);
    files.insert("2.Condition.ndjson".to_owned(), conditions);
    files.insert("3.Procedure.ndjson".to_owned(), procedures);
    // The group's export: one other patient, in files of the same names.
    files.insert(
        "g/1.Patient.ndjson".to_owned(),
        format!("{}\n", patient_line("g1")),
    );
    files.insert(
        "g/2.Condition.ndjson".to_owned(),
        format!("{}\n", condition_line("gc1", "g1")),
    );
    files.insert(
        "g/3.Procedure.ndjson".to_owned(),
        format!(
            "{}\n",
            serde_json::json!({
                "resourceType": "Procedure", "id": "gx1", "status": "completed",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "80146002"}]},
                "subject": {"reference": "Patient/g1"}, "performedDateTime": "2019-01-01"})
        ),
    );
    let root = bulk_peer(
        |root, name| {
            let prefix = if name == "group" { "g/" } else { "" };
            let output = ["Patient", "Condition", "Procedure"]
                .iter()
                .enumerate()
                .map(|(n, t)| entry(root, t, &format!("{prefix}{}.{t}.ndjson", n + 1), None))
                .collect();
            (output, Vec::new())
        },
        files,
    );
    let url = format!("{root}/all/fhir");
    let types = "Patient,Condition,Procedure";
    let env = Env::new();
    let init = env.refract(&["init"]);
    assert!(init.status.success(), "{init:?}");
    let mut child = env
        .command(&["pull", "--server", &url, "--type", types])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let watcher =
        rusqlite::Connection::open_with_flags(&env.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    loop {
        let read: i64 = watcher
            .query_row(
                "SELECT count(*) FROM imports WHERE path LIKE '%Condition.ndjson' AND state = 'done'",
                [],
                |row| row.get(0),
            )
            .unwrap_or(0);
        if read > 0 {
            let _ = child.kill();
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the pull ended before the kill"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.wait().unwrap();
    drop(watcher);
    let count = |what: &str| -> i64 {
        rusqlite::Connection::open(&env.db)
            .unwrap()
            .query_row(what, [], |row| row.get(0))
            .unwrap()
    };
    assert!(
        count("SELECT count(*) FROM fhir_resources WHERE type = 'Procedure'")
            < (PATIENTS * PROCEDURES) as i64
    );

    let check = env.refract(&["check"]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains(&format!("{PATIENTS} new patient(s) pulled from"))
            && stdout.contains("pull again (`refract pull --server")
            && stdout.contains("--since auto`)"),
        "{stdout}"
    );
    // The killed pull's downloads are named (P8), and removed by the next pull.
    assert_eq!(env.left_behind().len(), 1);
    assert!(
        stdout.contains("holds patient data a stopped pull downloaded: the next pull removes it"),
        "{stdout}"
    );
    let flags = env.refract(&["flags", "--json"]);
    assert!(flags.status.success(), "{flags:?}");
    assert!(
        String::from_utf8_lossy(&flags.stderr).contains("are not listed"),
        "{flags:?}"
    );
    assert_eq!(env.patients(), 0, "no patient made of part of their pull");

    // A group's pull, its files named as the stopped pull's were: its own patient only.
    let group = format!("{root}/group/fhir");
    env.pull_json(&["--server", &group, "--type", types]);
    assert_eq!(env.patients(), 1);
    assert!(env.left_behind().is_empty(), "{:?}", env.left_behind());

    // The next complete pull of the server: every patient, whole.
    env.pull_json(&["--server", &url, "--type", types, "--since", "auto"]);
    assert_eq!(env.patients(), PATIENTS + 1);
    assert_eq!(
        count("SELECT count(*) FROM procedures"),
        (PATIENTS * PROCEDURES + 1) as i64
    );
    let check = env.refract(&["check"]);
    assert!(
        !String::from_utf8_lossy(&check.stdout).contains("are not listed"),
        "{check:?}"
    );

    // A second Ctrl-C during the import stops at once, in one line, its downloads removed (P8).
    let env = Env::new();
    let mut child = env
        .command(&["pull", "--server", &url, "--type", types])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    for line in lines.by_ref() {
        if line.unwrap().contains("importing") {
            break;
        }
    }
    for _ in 0..2 {
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    let said: Vec<&String> = rest.iter().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(said.len(), 1, "{rest:?}");
    assert!(said[0].contains("pull stopped at once"), "{rest:?}");
    assert!(env.left_behind().is_empty(), "{:?}", env.left_behind());
}

/// The requests a [`threaded_peer`] saw, by their request line, in order.
type SeenLines = std::sync::Arc<Mutex<Vec<String>>>;

/// What a [`threaded_peer`] does with one request: answer it, or hold the connection open
/// without a word for a while (a stalled server), or write raw bytes.
enum Reply {
    Answer(Answer),
    Silence(std::time::Duration),
    Raw(Vec<u8>),
}

/// A peer on loopback that handles each connection on a thread of its own (so that one left
/// unanswered does not hold up the next), as `reply` says for its request line (and how many
/// requests came before it); returns its root and the request lines seen.
fn threaded_peer(
    reply: impl Fn(&str, &str, usize) -> Reply + Send + Sync + 'static,
) -> (String, SeenLines) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let root = format!("http://{}", listener.local_addr().unwrap());
    let seen: SeenLines = std::sync::Arc::default();
    let reply = std::sync::Arc::new(reply);
    let (own, log) = (root.clone(), std::sync::Arc::clone(&seen));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (reply, log, own) = (
                std::sync::Arc::clone(&reply),
                std::sync::Arc::clone(&log),
                own.clone(),
            );
            std::thread::spawn(move || {
                // A TLS ClientHello has no end of headers: what came in a moment is the head.
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(500)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let line = head.lines().next().unwrap_or("").to_owned();
                let before = {
                    let mut log = log.lock().unwrap();
                    log.push(line.clone());
                    log.len() - 1
                };
                match reply(&own, &line, before) {
                    Reply::Silence(how_long) => std::thread::sleep(how_long),
                    Reply::Raw(bytes) => {
                        let _ = stream.write_all(&bytes);
                    }
                    Reply::Answer((status, headers, body)) => {
                        let mut out = format!(
                            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                            body.len()
                        );
                        for (name, value) in headers {
                            for part in [name.as_str(), ": ", value.as_str(), "\r\n"] {
                                out.push_str(part);
                            }
                        }
                        out.push_str("\r\n");
                        out.push_str(&body);
                        let _ = stream.write_all(out.as_bytes());
                    }
                }
            });
        }
    });
    (root, seen)
}

fn seen_matching(seen: &SeenLines, start: &str) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|line| line.starts_with(start))
        .count()
}

/// The answers of a Bulk Data job that is ready at once with `output` (entries made from the
/// root): for a [`threaded_peer`].
fn ready_job(root: &str, line: &str, output: &serde_json::Value) -> Reply {
    if line.contains("$export") {
        return Reply::Answer((
            202,
            vec![("Content-Location".into(), format!("{root}/status/1"))],
            String::new(),
        ));
    }
    if line.starts_with("DELETE") {
        return Reply::Answer((202, Vec::new(), String::new()));
    }
    if line.starts_with("GET /status/1") {
        let manifest = serde_json::json!({
            "transactionTime": "2026-03-01T00:00:00Z", "request": "x",
            "requiresAccessToken": false, "output": output, "error": [] });
        return Reply::Answer((
            200,
            vec![("Content-Type".into(), "application/json".into())],
            manifest.to_string(),
        ));
    }
    Reply::Answer((404, Vec::new(), String::new()))
}

/// A pull whose server waits at most `seconds` for an answer: its output.
fn pull_with_answer_timeout(env: &Env, seconds: u32, args: &[&str]) -> Output {
    let mut all = vec!["pull"];
    all.extend_from_slice(args);
    env.command(&all)
        .env("REFRACT_PULL_ANSWER_SECONDS", seconds.to_string())
        .output()
        .unwrap()
}

fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or("")
        .to_owned()
}

/// Review P10: a server that accepted the kick-off and then stopped answering its status URL made
/// refract send the kick-off again, three times, leaving three export jobs there. The same status
/// URL is polled again with a pause that grows, and on giving up the job is DELETEd, and said.
#[test]
fn a_stalled_status_is_polled_again_then_the_job_deleted_and_the_kick_off_never_sent_again() {
    let env = Env::new();
    for delete_answers in [true, false] {
        let (root, seen) = threaded_peer(move |root, line, _| {
            if line.contains("$export") {
                return Reply::Answer((
                    202,
                    vec![("Content-Location".into(), format!("{root}/status/1"))],
                    String::new(),
                ));
            }
            if line.starts_with("DELETE") && delete_answers {
                return Reply::Answer((202, Vec::new(), String::new()));
            }
            Reply::Silence(std::time::Duration::from_secs(4))
        });
        let out = pull_with_answer_timeout(
            &env,
            1,
            &["--server", &format!("{root}/fhir"), "--type", "Patient"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let last = last_line(&out);
        assert_eq!(seen_matching(&seen, "GET /fhir/$export"), 1, "{stderr}");
        assert_eq!(seen_matching(&seen, "GET /status/1"), 3, "{stderr}");
        assert_eq!(seen_matching(&seen, "DELETE /status/1"), 1, "{stderr}");
        assert!(last.contains("went unanswered 3 times"), "{last}");
        if delete_answers {
            assert!(
                last.contains("the export job was deleted on the server"),
                "{last}"
            );
        } else {
            assert!(
                last.contains("the export job may stay on the server"),
                "{last}"
            );
        }
        assert!(stderr.contains("asking again in"), "{stderr}");
        assert_eq!(env.patients(), 0);
    }
}

/// Review P10: a kick-off that got no answer at all is asked once more, and said; never a third
/// time.
#[test]
fn a_kick_off_that_got_no_answer_is_asked_once_more_and_never_again() {
    let env = Env::new();
    // The first kick-off goes unanswered, the second is accepted: the pull goes on.
    let (root, seen) = threaded_peer(|root, line, before| {
        if line.contains("$export") && before == 0 {
            return Reply::Silence(std::time::Duration::from_secs(4));
        }
        ready_job(root, line, &serde_json::json!([]))
    });
    let out = pull_with_answer_timeout(
        &env,
        1,
        &[
            "--json",
            "--server",
            &format!("{root}/fhir"),
            "--type",
            "Patient",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("asking once more"), "{stderr}");
    assert_eq!(seen_matching(&seen, "GET /fhir/$export"), 2, "{stderr}");

    // Neither is answered: two asks, then one line.
    let (root, seen) = threaded_peer(|_, _, _| Reply::Silence(std::time::Duration::from_secs(4)));
    let out = pull_with_answer_timeout(
        &env,
        1,
        &["--server", &format!("{root}/fhir"), "--type", "Patient"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let last = last_line(&out);
    assert!(last.contains("got no answer twice"), "{last}");
    assert!(last.contains("not asked again"), "{last}");
    assert_eq!(seen_matching(&seen, "GET /fhir/$export"), 2, "{last}");
}

/// Review P10b: `https://` to a plain-HTTP port named the TLS library's internals; `http://` to a
/// TLS port likewise. Each is one line saying which, with the URL to try.
#[test]
fn https_to_a_plain_port_and_http_to_a_tls_port_say_so_in_one_line() {
    let env = Env::new();
    let (plain, _) = threaded_peer(|root, line, _| ready_job(root, line, &serde_json::json!([])));
    let rest = plain.trim_start_matches("http://");
    let reason = env.pull_fails(&[
        "--server",
        &format!("https://{rest}/fhir"),
        "--type",
        "Patient",
    ]);
    assert!(reason.contains("did not speak TLS"), "{reason}");
    assert!(
        reason.ends_with(&format!("try http://{rest}/fhir")),
        "{reason}"
    );
    for internal in ["rustls", "InvalidContentType", "corrupt", "tried"] {
        assert!(!reason.contains(internal), "{reason}");
    }
    // What a TLS server answers to anything that is not TLS: a fatal alert record.
    let (tls, seen) =
        threaded_peer(|_, _, _| Reply::Raw(vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]));
    let rest = tls.trim_start_matches("http://");
    let reason = env.pull_fails(&[
        "--server",
        &format!("http://{rest}/fhir"),
        "--type",
        "Patient",
    ]);
    assert!(reason.contains("speaks TLS"), "{reason}");
    assert!(
        reason.ends_with(&format!("try https://{rest}/fhir")),
        "{reason}"
    );
    // Not asked again and again: the kick-off and the probe.
    assert!(
        seen.lock().unwrap().len() <= 2,
        "{:?}",
        seen.lock().unwrap()
    );
}

/// Review P9: two pulls of one server into one file at once printed counts that contradicted each
/// other. The second is refused before it asks the server anything, naming the first's process;
/// once the first ends, a pull goes ahead.
#[test]
fn a_second_pull_of_one_server_into_one_file_is_refused_while_the_first_runs() {
    let release = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let released = std::sync::Arc::clone(&release);
    let (root, seen) = threaded_peer(move |root, line, _| {
        if line.starts_with("GET /status/1") && !released.load(std::sync::atomic::Ordering::SeqCst)
        {
            return Reply::Answer((202, vec![("Retry-After".into(), "1".into())], String::new()));
        }
        if line.starts_with("GET /files/") {
            return Reply::Answer((200, Vec::new(), format!("{}\n", patient_line("one"))));
        }
        ready_job(
            root,
            line,
            &serde_json::json!([entry(root, "Patient", "1.Patient.ndjson", None)]),
        )
    });
    let url = format!("{root}/fhir");
    let env = Env::new();
    let first = env
        .command(&["pull", "--server", &url, "--type", "Patient"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let waited = std::time::Instant::now();
    while seen_matching(&seen, "GET /status/1") == 0 {
        assert!(
            waited.elapsed().as_secs() < 60,
            "the first pull never polled"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The same server in another spelling is the same server.
    let other_spelling = url.replace("127.0.0.1", "localhost");
    let reason = env.pull_fails(&["--server", &other_spelling, "--type", "Patient"]);
    assert!(reason.contains("another pull from"), "{reason}");
    assert!(
        reason.contains(&format!("refract process {} of ", first.id())),
        "{reason}"
    );
    assert_eq!(seen_matching(&seen, "GET /fhir/$export"), 1);
    release.store(true, std::sync::atomic::Ordering::SeqCst);
    let ended = first.wait_with_output().unwrap();
    assert!(
        ended.status.success(),
        "{}",
        String::from_utf8_lossy(&ended.stderr)
    );
    assert_eq!(env.patients(), 1);
    let again = env.pull_json(&["--server", &url, "--type", "Patient"]);
    assert_eq!(again["resources"]["Patient"], 1);
}

/// Review P9: the download's size line read as the export's size when it was the bytes so far, and
/// a transfer that broke off and was started again counted twice. Each figure says what it
/// counts, and the total is what the files hold.
#[test]
fn download_figures_say_what_they_count_and_a_file_started_again_counts_once() {
    let body = format!("{}\n{}\n", patient_line("a"), patient_line("b"));
    let size = body.len();
    let (root, _) = threaded_peer(move |root, line, _| {
        if line.starts_with("GET /files/") {
            // The first transfer breaks off halfway; the second is whole.
            static TRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            if TRIES.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                let mut raw = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                raw.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
                return Reply::Raw(raw);
            }
            return Reply::Answer((200, Vec::new(), body.clone()));
        }
        ready_job(
            root,
            line,
            &serde_json::json!([entry(root, "Patient", "1.Patient.ndjson", None)]),
        )
    });
    let env = Env::new();
    let out = env.refract(&[
        "pull",
        "--json",
        "--server",
        &format!("{root}/fhir"),
        "--type",
        "Patient",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pulled["bytes"], size, "{pulled:#}");
    assert_eq!(pulled["resources"]["Patient"], 2, "{pulled:#}");
    for line in stderr.lines() {
        if line.starts_with("refract: downloading") {
            assert!(line.ends_with("MB so far"), "{stderr}");
        }
        if line.starts_with("refract: importing") {
            assert!(line.ends_with("resources so far"), "{stderr}");
        }
    }
    assert!(
        stderr.contains("downloaded 1 file(s): 0.0 MB in all"),
        "{stderr}"
    );
    // The summary: what was downloaded, in all.
    let out = env.refract(&[
        "pull",
        "--server",
        &format!("{root}/fhir"),
        "--type",
        "Patient",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains("1 file(s) downloaded, 2 resource(s) in them"),
        "{stdout}"
    );
    assert!(stdout.contains("MB downloaded in all)"), "{stdout}");
}
