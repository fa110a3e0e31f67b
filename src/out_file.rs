//! Files refract writes for a person (`--out` exports and minutes, minutes written from the
//! meeting screen): health data, often written into
//! folders other people can write to. The file is created under a random name in the target's
//! folder, exclusively and without following a symbolic link (`O_EXCL|O_NOFOLLOW`), readable by
//! its owner only; written, synced and renamed into place, never over an existing file unless
//! `--force` says so; on any failure the temporary file is removed, so nothing is left behind.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Why a file was not written; the writer's own errors pass through as the caller's type.
#[derive(Debug, thiserror::Error)]
pub enum OutFileError {
    #[error("{0} is a folder: --out takes a file name")]
    Folder(String),
    #[error("{0} already exists (use --force to replace it)")]
    Exists(String),
    #[error("{0} is not a file name: --out takes a file name")]
    NotAFileName(String),
    #[error("cannot write {path}: {reason}")]
    Cannot { path: String, reason: String },
}

/// Writes `path` with what `write` produces.
pub fn write_private<E: From<OutFileError>>(
    path: &Path,
    force: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let shown = path.display().to_string();
    let cannot = |err: &dyn std::fmt::Display| -> E {
        OutFileError::Cannot {
            path: shown.clone(),
            reason: err.to_string(),
        }
        .into()
    };
    // Looked at without following a link: a planted link is "a file that exists".
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(OutFileError::Folder(shown.clone()).into());
        }
        Ok(_) if !force => {
            return Err(OutFileError::Exists(shown.clone()).into());
        }
        _ => {}
    }
    let Some(name) = path.file_name() else {
        return Err(OutFileError::NotAFileName(shown.clone()).into());
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut temporary = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .rand_bytes(12)
        .make_in(folder, create_exclusive)
        .map_err(|err| cannot(&err))?;

    let mut writer = BufWriter::new(temporary.as_file_mut());
    write(&mut writer)?;
    writer.flush().map_err(|err| cannot(&err))?;
    drop(writer);
    temporary.as_file().sync_all().map_err(|err| cannot(&err))?;

    // A failed rename hands the temporary file back; dropping it removes it.
    let persisted = if force {
        temporary.persist(path)
    } else {
        temporary.persist_noclobber(path)
    };
    if let Err(err) = persisted {
        return Err(if err.error.kind() == std::io::ErrorKind::AlreadyExists {
            OutFileError::Exists(shown.clone()).into()
        } else {
            cannot(&err.error)
        });
    }
    // The rename is durable once the folder is synced; a folder that cannot be opened for that
    // (some filesystems) still holds the file.
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Creates `path` for writing: a new file (`O_CREAT|O_EXCL`), never through a symbolic link
/// (`O_NOFOLLOW`), mode 0600.
fn create_exclusive(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits());
    }
    options.open(path)
}
