//! `refract init [--group NAME]`: a new, empty database, private to you (file 0600, a new folder
//! 0700), or shared by a Unix group (file 0660 of that group, in a folder 2770 of that group:
//! setgid, so that the WAL and SHM SQLite creates beside the file belong to the group too and
//! every member can open it; nobody outside the group can reach it).

use std::path::Path;
use std::process::ExitCode;

use super::CliError;
use super::output::path_text;
use crate::store::{OpenMode, Store};

pub fn run(path: &Path, group: Option<&str>, user: &str) -> Result<ExitCode, CliError> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(CliError::Message(format!(
            "{} already exists (left untouched)",
            path.display()
        )));
    }
    match group {
        None => {
            Store::open(path, OpenMode::CreateIfMissing, user)?;
            eprintln!(
                "refract: created {} (readable by you only)",
                path_text(path)
            );
        }
        Some(group) => {
            create_for_group(path, group)?;
            Store::open(path, OpenMode::CreateIfMissing, user)?;
            eprintln!(
                "refract: created {} for group {} (file 0660, folder 2770)",
                path_text(path),
                crate::text::sanitise_line(group)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The empty file (0660, the group's) in a folder of the group (2770): an existing folder must
/// already be one, a missing one is made so.
#[cfg(unix)]
fn create_for_group(path: &Path, group: &str) -> Result<(), CliError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
    let message = |text: String| CliError::Message(text);
    let gid = crate::account::group_id(group).ok_or_else(|| {
        message(format!(
            "there is no group named {}",
            crate::text::one_line(group)
        ))
    })?;
    if !crate::account::in_group(gid) && crate::account::effective_uid() != 0 {
        return Err(message(format!(
            "you are not a member of group {}",
            crate::text::one_line(group)
        )));
    }
    let cannot = |what: &Path, err: std::io::Error| {
        message(format!("cannot create {}: {err}", what.display()))
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let team_folder = 0o2770;
    if let Ok(meta) = std::fs::metadata(folder) {
        let mode = meta.mode() & 0o7777;
        if meta.gid() != gid || mode & 0o2000 == 0 || mode & 0o007 != 0 {
            return Err(message(format!(
                "{shown} is not a folder of group {group} closed to others (it is {mode:04o}); \
                 run: chgrp {group} {shown} && chmod 2770 {shown}, or name a new folder",
                shown = folder.display(),
                group = crate::text::one_line(group),
            )));
        }
    } else {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true).mode(0o770);
        builder.create(folder).map_err(|err| cannot(folder, err))?;
        std::os::unix::fs::chown(folder, None, Some(gid)).map_err(|err| cannot(folder, err))?;
        // Set after the change of group (which may clear it), and whatever the umask took.
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(team_folder))
            .map_err(|err| cannot(folder, err))?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o660)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(path)
        .map_err(|err| cannot(path, err))?;
    let shared = std::os::unix::fs::fchown(&file, None, Some(gid))
        .and_then(|()| file.set_permissions(std::fs::Permissions::from_mode(0o660)));
    if let Err(err) = shared {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(cannot(path, err));
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_for_group(_path: &Path, _group: &str) -> Result<(), CliError> {
    Err(CliError::Message(String::from(
        "--group needs a Unix system (groups and file modes)",
    )))
}
