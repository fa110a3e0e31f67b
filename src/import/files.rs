//! Which files an import reads: regular files only (a FIFO would block forever, a device never
//! ends), each once, found in folders without following a symbolic-link loop, and none larger
//! than the limit.

use std::collections::HashSet;
use std::fs::{self, File, Metadata};
use std::path::{Path, PathBuf};

/// The largest file read unless the user says otherwise (`--max-file-size`): far above any
/// export refract has met, far below what would fill a disk by mistake.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 << 30;

/// A file to import, or why a path named on the command line cannot be.
#[derive(Debug)]
pub enum Found {
    File(PathBuf),
    Refused(PathBuf, String),
}

/// The files to read under `paths`: files named directly whatever their extension, and in
/// folders (recursively) those ending in `.json`, `.ndjson` or `.jsonl`, each file once (by
/// device and inode), in a stable order.
pub fn collect(paths: &[PathBuf]) -> Vec<Found> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for path in paths {
        match fs::metadata(path) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                out.push(Found::Refused(
                    path.clone(),
                    String::from("no such file or folder"),
                ));
            }
            Err(err) => out.push(Found::Refused(path.clone(), format!("cannot read: {err}"))),
            Ok(meta) if meta.is_dir() => {
                let mut folders = HashSet::new();
                walk(path, &mut folders, &mut seen, &mut out);
            }
            Ok(meta) => match kind_problem(&meta) {
                Some(problem) => out.push(Found::Refused(path.clone(), problem)),
                None => {
                    if seen.insert(identity(&meta, path)) {
                        out.push(Found::File(path.clone()));
                    }
                }
            },
        }
    }
    out
}

/// Why a path that is not a folder cannot be read as a file, if it cannot.
pub fn kind_problem(meta: &Metadata) -> Option<String> {
    if meta.is_dir() {
        return Some(String::from("a folder where a file was expected"));
    }
    crate::store::not_a_regular_file(meta).map(|kind| format!("{kind}, not a file: refused"))
}

/// What makes two paths the same file.
fn identity(meta: &Metadata, path: &Path) -> (u64, u64, PathBuf) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        (meta.dev(), meta.ino(), PathBuf::new())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (
            0,
            0,
            fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
        )
    }
}

fn walk(
    dir: &Path,
    folders: &mut HashSet<(u64, u64, PathBuf)>,
    seen: &mut HashSet<(u64, u64, PathBuf)>,
    out: &mut Vec<Found>,
) {
    let Ok(meta) = fs::metadata(dir) else {
        return;
    };
    // A folder reached twice (a link back up the tree) is read once: no loop, no double read.
    if !folders.insert(identity(&meta, dir)) {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        out.push(Found::Refused(
            dir.to_owned(),
            String::from("cannot list the folder"),
        ));
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = fs::metadata(&path) else {
            continue; // a dangling link
        };
        if meta.is_dir() {
            walk(&path, folders, seen, out);
            continue;
        }
        let wanted = path.extension().is_some_and(|ext| {
            matches!(
                ext.to_string_lossy().to_lowercase().as_str(),
                "json" | "ndjson" | "jsonl"
            )
        });
        if !wanted || is_bulk_manifest(&path, &meta) {
            continue;
        }
        match kind_problem(&meta) {
            Some(problem) => out.push(Found::Refused(path, problem)),
            None => {
                if seen.insert(identity(&meta, &path)) {
                    out.push(Found::File(path));
                }
            }
        }
    }
}

/// Whether a file found in a folder is a Bulk Data export's manifest (the status request's
/// answer that a client saves beside the files: `transactionTime`, `request`, `output` and no
/// `resourceType`): it lists the files, which are read themselves, and holds no resource.
fn is_bulk_manifest(path: &Path, meta: &Metadata) -> bool {
    bulk_manifest_time(path, meta).is_some()
}

/// A Bulk Data manifest's `transactionTime` (see [`is_bulk_manifest`]): `Some("")` for a
/// manifest whose time is no text, `None` for a file that is no manifest.
fn bulk_manifest_time(path: &Path, meta: &Metadata) -> Option<String> {
    const LARGEST_MANIFEST: u64 = 16 << 20;
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "resourceType")]
        resource_type: Option<serde::de::IgnoredAny>,
        #[serde(rename = "transactionTime")]
        transaction_time: Option<serde_json::Value>,
        output: Option<Vec<serde::de::IgnoredAny>>,
    }
    let is_json = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    if !is_json || !meta.is_file() || meta.len() > LARGEST_MANIFEST {
        return None;
    }
    // Most files of a folder are resources: a look at their start spares reading them twice.
    let mut start = [0_u8; 4096];
    let read = open_no_block(path)
        .and_then(|mut file| std::io::Read::read(&mut file, &mut start))
        .unwrap_or(0);
    let start = String::from_utf8_lossy(&start[..read]);
    if !start.contains("\"transactionTime\"") {
        return None;
    }
    let head = open_no_block(path)
        .ok()
        .and_then(|file| serde_json::from_reader::<_, Head>(std::io::BufReader::new(file)).ok())
        .filter(|head| head.resource_type.is_none() && head.output.is_some())?;
    head.transaction_time
        .map(|time| time.as_str().unwrap_or_default().to_owned())
}

/// When an export was made, as the Bulk Data manifest saved in its folder says
/// (`transactionTime`): the latest of the manifests there, as an instant; `None` when the
/// folder holds none that says.
pub fn export_time(export: &Path) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let entries = fs::read_dir(export).ok()?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter_map(|path| {
            let meta = fs::metadata(&path).ok()?;
            let time = bulk_manifest_time(&path, &meta)?;
            chrono::DateTime::parse_from_rfc3339(time.trim()).ok()
        })
        .max()
}

/// The order a run applies its exports in (`exports` in name order): where an export's
/// manifest says when it was made (see [`export_time`]), the exports that say take the places
/// they hold in name order, filled in the order of their times (the earlier first, by name
/// where two say the same); an export that says nothing keeps its place. So exports named by
/// date go by name, and exports named by job id (`job-f3a9`, `job-0b17`) by their manifests.
/// Returns each export's position.
pub fn export_order(exports: &[PathBuf]) -> std::collections::HashMap<PathBuf, usize> {
    let times: Vec<_> = exports.iter().map(|export| export_time(export)).collect();
    let mut timed: Vec<usize> = (0..exports.len())
        .filter(|&at| times[at].is_some())
        .collect();
    let places = timed.clone();
    timed.sort_by_key(|&at| (times[at], at));
    let mut order: Vec<usize> = (0..exports.len()).collect();
    for (place, at) in places.into_iter().zip(timed) {
        order[place] = at;
    }
    order
        .into_iter()
        .enumerate()
        .map(|(position, at)| (exports[at].clone(), position))
        .collect()
}

/// The export a file belongs to, which a run applies as one (see `import_paths`): the folder
/// that holds it. A Bulk Data client keeps an export's files together, and the SMART reference
/// server names its deleted files beside the output (`1.Patient.deleted.ndjson`); a client
/// that keeps them apart puts them in a `deleted` subfolder, or in a sibling folder named as
/// the export's with `deleted` before or after it (`e2_deleted`), and those belong to that
/// export too. A file's own name plays no part: whatever it is called, it is in its folder.
pub fn export_of(path: &Path) -> PathBuf {
    let Some(folder) = path.parent() else {
        return PathBuf::new();
    };
    let Some(name) = folder.file_name().map(|name| name.to_string_lossy()) else {
        return folder.to_owned();
    };
    if name.eq_ignore_ascii_case("deleted") {
        return folder.parent().map(Path::to_owned).unwrap_or_default();
    }
    match export_name_of_deleted_folder(&name) {
        Some(export) => folder.with_file_name(export),
        None => folder.to_owned(),
    }
}

/// `e2` of a folder named `e2_deleted` or `deleted-e2` (any case, separated by `_`, `-`, `.`
/// or a space); `None` for any other name.
fn export_name_of_deleted_folder(name: &str) -> Option<&str> {
    const WORD: &str = "deleted";
    let separator = |c: char| matches!(c, '_' | '-' | '.' | ' ');
    let before = name
        .len()
        .checked_sub(WORD.len())
        .and_then(|at| name.split_at_checked(at))
        .filter(|(_, word)| word.eq_ignore_ascii_case(WORD))
        .and_then(|(export, _)| export.strip_suffix(separator));
    let after = || {
        name.split_at_checked(WORD.len())
            .filter(|(word, _)| word.eq_ignore_ascii_case(WORD))
            .and_then(|(_, export)| export.strip_prefix(separator))
    };
    before.or_else(after).filter(|export| !export.is_empty())
}

/// Whether a file holds deletions alone, as a Bulk Data export's `deleted` files do (NDJSON
/// of transaction Bundles whose entries are `DELETE` requests): read by its first line, which
/// is all that is needed to tell such a file from an output file (a resource a line) or a
/// pretty-printed Bundle (whose first line is `{`). A file that cannot be read says no.
pub fn holds_deletions_only(path: &Path) -> bool {
    const LONGEST_FIRST_LINE: u64 = 1 << 20;
    #[derive(serde::Deserialize)]
    struct Request {
        method: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default, deserialize_with = "no_resource")]
        resource: Option<serde::de::IgnoredAny>,
        request: Option<Request>,
    }
    // An entry holding a resource settles it (no deletions file): the read stops there, rather
    // than reading a whole bundle written on one line, as refract's own export writes it.
    fn no_resource<'de, D: serde::Deserializer<'de>>(
        holder: D,
    ) -> Result<Option<serde::de::IgnoredAny>, D::Error> {
        match <Option<serde::de::IgnoredAny> as serde::Deserialize>::deserialize(holder)? {
            Some(_) => Err(serde::de::Error::custom("an entry holds a resource")),
            None => Ok(None),
        }
    }
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "resourceType")]
        resource_type: Option<String>,
        #[serde(default)]
        entry: Vec<Entry>,
    }
    let Ok(file) = open_no_block(path) else {
        return false;
    };
    let mut reader = std::io::BufReader::new(std::io::Read::take(file, LONGEST_FIRST_LINE));
    let mut line = String::new();
    loop {
        line.clear();
        match std::io::BufRead::read_line(&mut reader, &mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line.trim().is_empty() => {}
            Ok(_) => break,
        }
    }
    let line = line.trim().trim_start_matches('\u{feff}');
    serde_json::from_str::<Head>(line).is_ok_and(|head| {
        head.resource_type.as_deref() == Some("Bundle")
            && !head.entry.is_empty()
            && head.entry.iter().all(|entry| {
                entry.resource.is_none()
                    && entry
                        .request
                        .as_ref()
                        .and_then(|r| r.method.as_deref())
                        .is_some_and(|m| m.eq_ignore_ascii_case("DELETE"))
            })
    })
}

/// Opens a file for reading, refusing anything that is not a regular file at the moment it is
/// opened (a path swapped for a FIFO after the folder was listed) and anything over `limit`.
/// Returns the file and its size.
pub fn open_checked(path: &Path, limit: u64) -> Result<(File, u64), String> {
    let meta = fs::metadata(path).map_err(|err| format!("cannot read: {err}"))?;
    if let Some(problem) = kind_problem(&meta) {
        return Err(problem);
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    let file = open_no_block(path).map_err(|err| format!("cannot read: {err}"))?;
    let meta = file
        .metadata()
        .map_err(|err| format!("cannot read: {err}"))?;
    if let Some(problem) = kind_problem(&meta) {
        return Err(problem);
    }
    Ok((file, meta.len()))
}

pub fn too_large(size: u64, limit: u64) -> String {
    format!(
        "{} MiB, more than the limit of {} MiB (--max-file-size)",
        size >> 20,
        limit >> 20
    )
}

/// Opens without blocking on a FIFO that appeared since the check (O_NONBLOCK; the check after
/// opening refuses it).
fn open_no_block(path: &Path) -> std::io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: 0o4000 on Linux and the BSDs, 0x4 on macOS.
        #[cfg(target_os = "macos")]
        options.custom_flags(0x0004);
        #[cfg(not(target_os = "macos"))]
        options.custom_flags(0o4000);
    }
    options.open(path)
}

/// Parses a size such as `500M`, `16G`, `2GiB` or a plain number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (e.g. 500M, 16G)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(format!("'{text}' is not a size (e.g. 500M, 16G)")),
    };
    let bytes = number * factor as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("'{text}' is not a usable size"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_manifest_in_a_folder_is_not_read_as_resources() {
        let dir = tempfile::TempDir::new().unwrap();
        let manifest = dir.path().join("manifest.json");
        std::fs::write(
            &manifest,
            r#"{"transactionTime":"2026-01-01T00:00:00Z","request":"x/$export","requiresAccessToken":false,"output":[{"type":"Patient","url":"x/Patient.ndjson"}],"error":[]}"#,
        )
        .unwrap();
        let bundle = dir.path().join("bundle.json");
        std::fs::write(
            &bundle,
            r#"{"resourceType":"Bundle","type":"collection","entry":[]}"#,
        )
        .unwrap();
        let found: Vec<String> = collect(&[dir.path().to_owned()])
            .into_iter()
            .map(|found| format!("{found:?}"))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("bundle.json"), "{found:?}");
        // Named on the command line, it is read (and refused as no resource).
        assert_eq!(collect(&[manifest]).len(), 1);
    }

    #[test]
    fn exports_whose_manifests_say_when_take_their_places_by_time() {
        let dir = tempfile::TempDir::new().unwrap();
        let manifest = |name: &str, time: &str| {
            let folder = dir.path().join(name);
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(
                folder.join("manifest.json"),
                format!(r#"{{"transactionTime":"{time}","request":"x/$export","output":[]}}"#),
            )
            .unwrap();
            folder
        };
        // In name order: a (October), b (no manifest), c (September, written with an offset),
        // d (August).
        let a = manifest("a", "2026-10-01T00:00:00Z");
        let b = dir.path().join("b");
        let c = manifest("c", "2026-09-01T02:00:00+02:00");
        let d = manifest("d", "2026-08-01T00:00:00Z");
        let order = export_order(&[a.clone(), b.clone(), c.clone(), d.clone()]);
        let mut applied: Vec<_> = [&a, &b, &c, &d].into_iter().collect();
        applied.sort_by_key(|export| order[*export]);
        assert_eq!(applied, [&d, &b, &c, &a], "b keeps its place");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn a_files_export_is_its_folder_its_deleted_folder_its_exports() {
        let export = |path: &str| export_of(Path::new(path));
        assert_eq!(export("F/e1/Patient.ndjson"), Path::new("F/e1"));
        assert_eq!(export("F/e1/1.Patient.deleted.ndjson"), Path::new("F/e1"));
        assert_eq!(export("F/e1/deleted/Patient.ndjson"), Path::new("F/e1"));
        assert_eq!(export("F/e1/Deleted/Patient.ndjson"), Path::new("F/e1"));
        assert_eq!(export("F/e2_DELETED/Patient.ndjson"), Path::new("F/e2"));
        assert_eq!(export("F/deleted-e2/Patient.ndjson"), Path::new("F/e2"));
        assert_eq!(
            export("F/undeleted/Patient.ndjson"),
            Path::new("F/undeleted")
        );
        assert_eq!(export("Patient.ndjson"), Path::new(""));
    }
}
