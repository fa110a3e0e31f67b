//! One pull per database and server at a time. Two pulls of one server into one file would each
//! kick off an export, import the same resources in interleaved batches and print counts that
//! contradict each other (each "adds" what the other added a moment before): the second is
//! refused in one line naming the process that runs the first.
//!
//! The lock is an advisory file lock (`flock`) on a small file beside the database, one per
//! server: the kernel releases it when the process ends however it ends (Ctrl-C twice, `kill
//! -9`), so a lock is never left behind. The file holds who holds it (process id, user, since
//! when), never a patient, a token or a key; it is kept afterwards (removing a lock file others
//! may be waiting on would let two pulls in).

use std::fmt::Write as _;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::PullError;

/// Held while a pull of one server into one database runs; released when dropped.
#[derive(Debug)]
pub struct PullLock {
    _file: File,
}

/// The lock file of `server` beside the database at `db`: named by a digest of the server's
/// URL (it may hold characters a file name cannot).
fn lock_path(db: &Path, server: &str) -> PathBuf {
    let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_owned());
    let digest = Sha256::digest(server.as_bytes());
    let short = digest[..6].iter().fold(String::new(), |mut short, byte| {
        let _ = write!(short, "{byte:02x}");
        short
    });
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push(format!(".pull-{short}.lock"));
    db.with_file_name(name)
}

/// Takes the lock for pulling `server` (its source, one spelling) into the database at `db`,
/// or refuses in one line naming the pull that holds it.
pub fn lock(db: &Path, server: &str, user: &str) -> Result<PullLock, PullError> {
    let path = lock_path(db, server);
    let mut file = open(&path, db)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(PullError::Busy(format!(
                "another pull from {server} into this database is running ({}): wait for it \
                 to end, then pull again",
                describe(&holder)
            )));
        }
        Err(TryLockError::Error(err)) => {
            return Err(PullError::Local(format!(
                "cannot lock {}: {err}",
                path.display()
            )));
        }
    }
    // Who holds it, for the pull that will be refused.
    let holder = format!(
        "pid={}\nuser={}\nsince={}\n",
        std::process::id(),
        crate::text::one_line(user),
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
    );
    let written = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(holder.as_bytes()))
        .and_then(|()| file.flush());
    if let Err(err) = written {
        return Err(PullError::Local(format!(
            "cannot write {}: {err}",
            path.display()
        )));
    }
    Ok(PullLock { _file: file })
}

/// The lock file, created as private as the database (a team's shared file, 0660 in its
/// group's folder, gets a lock file its members can take too); never through a link.
fn open(path: &Path, db: &Path) -> Result<File, PullError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = std::fs::metadata(db).map_or(0o600, |meta| meta.permissions().mode() & 0o660);
        options
            .mode(mode | 0o600)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits());
    }
    let file = options.open(path).map_err(|err| {
        PullError::Local(format!(
            "cannot open the pull lock {}: {err}",
            path.display()
        ))
    })?;
    let is_file = file.metadata().is_ok_and(|meta| meta.is_file());
    if !is_file {
        return Err(PullError::Local(format!(
            "the pull lock {} is not a file: remove it",
            path.display()
        )));
    }
    Ok(file)
}

/// The holder a lock file names, in words: `process 123 of alice, since ...`.
fn describe(holder: &str) -> String {
    let field = |name: &str| {
        holder.lines().find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .map(crate::text::one_line)
        })
    };
    match field("pid") {
        Some(pid) => {
            let mut words = format!("refract process {pid}");
            if let Some(user) = field("user") {
                let _ = write!(words, " of {user}");
            }
            if let Some(since) = field("since") {
                let _ = write!(words, ", since {since}");
            }
            words
        }
        // Taken a moment ago, not yet written.
        None => String::from("a refract process that has just started"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_of_one_server_is_refused_naming_the_first_and_another_server_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("team.db");
        std::fs::write(&db, b"").unwrap();
        let first = lock(&db, "http://localhost:9443/fhir", "alice").unwrap();
        let refused = lock(&db, "http://localhost:9443/fhir", "bob").unwrap_err();
        let words = refused.to_string();
        assert!(words.contains("another pull"), "{words}");
        assert!(
            words.contains(&format!("process {} of alice", std::process::id())),
            "{words}"
        );
        let other = lock(&db, "http://other.example/fhir", "bob").unwrap();
        drop(first);
        drop(other);
        lock(&db, "http://localhost:9443/fhir", "bob").unwrap();
    }
}
