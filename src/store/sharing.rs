//! Who else can reach the database file. SQLite keeps committed changes in `FILE-wal` and the
//! shared index in `FILE-shm` beside the database, and opens them if they exist: a WAL planted
//! by another user (or left open to everyone) would receive names and MRNs. So a WAL or SHM
//! that belongs to someone else, or is open to more people than the database, or is a link, is
//! refused before SQLite sees it, and again after opening (SQLite creates them with the
//! database's own owner and mode; this checks that it did). A database readable by others,
//! owned by someone else or in a folder everyone can write to is opened, with a warning.
//!
//! A file shared by a Unix group (`refract init --group`: 0660 in a setgid folder 2770 of the
//! group) is the exception to "the same owner": whichever member opens it first creates the WAL
//! and SHM, which then belong to that member and to the group; only members can create files
//! there. Members are not warned that the file belongs to another member.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use super::{Result, StoreError};

/// SQLite's files beside the database at `path` (resolved: SQLite follows links to the file).
fn companions(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut name = OsString::from(path.as_os_str());
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// The path SQLite will use: links resolved, as it resolves them.
pub(super) fn resolved(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Refuses a WAL or SHM beside `path` that is a link, not a file, someone else's, or open to
/// more people than the database.
#[cfg(unix)]
pub(super) fn check_companions(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let io_error = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let real = resolved(path);
    let database = fs::metadata(&real).map_err(io_error)?;
    let database_mode = database.mode() & 0o777;
    for companion in companions(&real) {
        let meta = match fs::symlink_metadata(&companion) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(StoreError::Io {
                    path: companion,
                    source,
                });
            }
        };
        let refuse = |detail: String| StoreError::UnsafeCompanion {
            path: path.to_owned(),
            detail,
        };
        let shown = companion.display();
        if meta.file_type().is_symlink() {
            return Err(refuse(format!("{shown} is a symbolic link")));
        }
        if !meta.is_file() {
            return Err(refuse(format!("{shown} is not a regular file")));
        }
        // In a team folder (see `team_file`) the first member to open the file makes them, and
        // only members can make files there: theirs must be the group's.
        let team = team_file(&real, &database);
        if meta.uid() != database.uid() && !(team && meta.gid() == database.gid()) {
            return Err(refuse(format!(
                "{shown} belongs to {}, the database to {}",
                account_name(meta.uid()),
                account_name(database.uid())
            )));
        }
        let mode = meta.mode() & 0o777;
        if mode & !database_mode != 0 {
            return Err(refuse(format!(
                "{shown} has mode {mode:04o}, open to more people than the database \
                 ({database_mode:04o})"
            )));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // the same signature as on Unix, where it can fail
pub(super) fn check_companions(_path: &Path) -> Result<()> {
    Ok(())
}

/// What a user should know about who else can reach the file at `path`: one line each.
#[cfg(unix)]
pub(super) fn warnings(path: &Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let real = resolved(path);
    let mut warnings = Vec::new();
    let Ok(database) = fs::metadata(&real) else {
        return warnings;
    };
    let shown = path.display();
    let mode = database.mode() & 0o777;
    if mode & 0o007 != 0 {
        warnings.push(format!(
            "{shown} can be {} by every user of this machine (mode {mode:04o}): chmod 600 it \
             (660 for a team group)",
            if mode & 0o002 == 0 {
                "read"
            } else {
                "read and changed"
            }
        ));
    }
    // A team file is someone's by necessity; every member can change it, which README says.
    if database.uid() != crate::account::effective_uid()
        && !(team_file(&real, &database) && crate::account::in_group(database.gid()))
    {
        warnings.push(format!(
            "{shown} belongs to {}: that account (and root) can read it and rewrite its audit log",
            account_name(database.uid())
        ));
    }
    if let Some(folder) = real.parent()
        && let Ok(meta) = fs::metadata(folder)
        && meta.mode() & 0o002 != 0
    {
        warnings.push(format!(
            "{} is writable by every user: anyone can put files beside the database{}; keep it \
             in a folder only you or your team can write to",
            folder.display(),
            if meta.mode() & 0o1000 == 0 {
                " or replace it"
            } else {
                ""
            }
        ));
    }
    warnings
}

#[cfg(not(unix))]
pub(super) fn warnings(_path: &Path) -> Vec<String> {
    Vec::new()
}

/// Whether the file is shared by a Unix group as `refract init --group` lays it out: writable
/// by its group, closed to others, in a folder of the same group, setgid (new files there take
/// the group) and closed to others (nobody outside the group can put a file beside it).
#[cfg(unix)]
#[allow(clippy::verbose_bit_mask)] // permission bits read best as octal masks
fn team_file(real: &Path, database: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let mode = database.mode();
    mode & 0o007 == 0
        && mode & 0o060 == 0o060
        && real
            .parent()
            .and_then(|folder| fs::metadata(folder).ok())
            .is_some_and(|folder| {
                folder.gid() == database.gid()
                    && folder.mode() & 0o2000 != 0
                    && folder.mode() & 0o007 == 0
            })
}

/// "user mensah (uid 1000)", or "uid 1000" without a password entry.
#[cfg(unix)]
fn account_name(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => format!(
            "user {} (uid {uid})",
            crate::text::sanitise_line(&user.name)
        ),
        _ => format!("uid {uid}"),
    }
}
