//! Reading a FHIR file one resource at a time, in memory bounded by the largest resource rather
//! than by the file: NDJSON line by line, a Bundle entry by entry.
//!
//! A file is a Bundle (of any type), a single resource, or NDJSON (one resource per line, as Bulk
//! Data `$export` writes; a line may itself be a Bundle, as the Bulk IG's deleted-resources files
//! are). Small files are read whole, which is fastest; a larger single document is parsed from
//! the reader as a stream, so a 10 GB bundle never sits in memory. What this module checks is
//! only what makes a file unreadable: invalid JSON, something that is not a FHIR R4 resource, a
//! broken bundle. Everything about a resource's content is the mapping's business.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::FhirError;
use super::model::Head;
use crate::domain::source_url::{same_server, server_base};

/// One resource as found in a file.
#[derive(Debug)]
pub struct RawResource<'a> {
    /// Where: `line 12`, `entry[3].resource`, `line 4 entry[0].resource`, or `$`.
    pub path: String,
    /// The bundle entry's `fullUrl`, which other entries of the bundle may refer to.
    pub full_url: Option<&'a str>,
    /// The resource's JSON text.
    pub json: &'a str,
    pub resource_type: &'static str,
    pub id: Option<&'a str>,
    /// The bundle entry's request (a transaction's `DELETE Patient/1`, a deleted-resources file).
    pub request: Option<&'a EntryRequest>,
    /// When the source says a `DELETE` entry was done, if it says: the entry's own
    /// `response.lastModified` (a server's history or a transaction response may give one; the
    /// Bulk Data IG gives a deleted file's entries none). Never its Bundle's `timestamp` or
    /// `meta.lastUpdated`: those say when the Bundle was assembled, not when anything was
    /// deleted, and dating a deletion by them would outdate a copy re-created in between.
    pub deleted_at: Option<&'a str>,
}

/// A bundle entry's `request`: what a transaction or history bundle says was done.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntryRequest {
    pub method: Option<String>,
    pub url: Option<String>,
}

/// What a whole read saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamSummary {
    pub resources: usize,
    /// Whether the file is a patient's complete record: the one page of an unfiltered
    /// `$everything` (see `complete_record`). Only such a file may remove what it does not hold.
    pub complete_record: bool,
    /// `Bundle.meta.source`: the system that made the bundle (refract writes its file's
    /// `urn:uuid:<file id>` there, so that a file knows its own export).
    pub source: Option<String>,
    /// When the file's Bundle was assembled, as it says: the later of its `timestamp` and its
    /// `meta.lastUpdated` (of every Bundle of the file, an NDJSON line's too). The file can
    /// hold nothing written after it; it dates no deletion (see [`RawResource::deleted_at`]).
    pub assembled: Option<String>,
}

impl StreamSummary {
    fn assembled_at(&mut self, times: impl IntoIterator<Item = Option<String>>) {
        for time in times.into_iter().flatten() {
            let later = match &self.assembled {
                Some(known) => later_instant(&time, known),
                None => true,
            };
            if later {
                self.assembled = Some(time);
            }
        }
    }
}

/// Whether `time` is after `than`: as instants where both are (offsets compared as such),
/// else as text, as one server's format does.
fn later_instant(time: &str, than: &str) -> bool {
    let instant = |text: &str| chrono::DateTime::parse_from_rfc3339(text.trim()).ok();
    match (instant(time), instant(than)) {
        (Some(time), Some(than)) => time > than,
        _ => time > than,
    }
}

/// Why a read stopped.
#[derive(Debug)]
pub enum StreamError<E> {
    /// The file is not readable FHIR: the whole file fails.
    Fhir(FhirError),
    /// The caller's callback refused a resource.
    Stopped(E),
}

impl<E> From<FhirError> for StreamError<E> {
    fn from(err: FhirError) -> Self {
        StreamError::Fhir(err)
    }
}

/// Files up to this size are read into memory whole (parsing from a slice is several times
/// faster than from a reader); larger single documents are streamed.
pub const WHOLE_FILE_BYTES: u64 = 64 << 20;

/// The longest NDJSON line accepted: a resource larger than this is a broken file, not a
/// record (the largest real resources, with embedded attachments, are a few MB).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// Reads every resource of the file behind `reader` (of `size` bytes as its metadata says) and
/// calls `each` with it, in file order.
pub fn each_resource<R: Read, E>(
    reader: R,
    size: u64,
    mut each: impl FnMut(RawResource<'_>) -> Result<(), E>,
) -> Result<StreamSummary, StreamError<E>> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    if size <= WHOLE_FILE_BYTES {
        let mut bytes = Vec::with_capacity(size as usize + 1);
        reader
            .by_ref()
            .take(WHOLE_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| FhirError::at("", format!("cannot read: {err}")))?;
        if bytes.len() as u64 <= WHOLE_FILE_BYTES {
            return each_in_bytes(&bytes, each);
        }
        // The file grew past what its size said: read on as a stream from what is in hand.
        return each_in_stream(
            BufReader::new(std::io::Cursor::new(bytes).chain(reader)),
            &mut each,
        );
    }
    each_in_stream(reader, &mut each)
}

/// Parses a file held in memory: one JSON document, else NDJSON.
pub fn each_in_bytes<E>(
    bytes: &[u8],
    mut each: impl FnMut(RawResource<'_>) -> Result<(), E>,
) -> Result<StreamSummary, StreamError<E>> {
    let text = text_of(bytes)?;
    let body = text.trim_start_matches('\u{feff}');
    if body.trim_start().is_empty() {
        return Err(FhirError::at("", "the file is empty").into());
    }
    if !body.trim_start().starts_with('{') {
        return Err(FhirError::at("", "not a FHIR JSON file (it does not start with '{')").into());
    }
    each_in_text(body, &mut each)
}

fn text_of(bytes: &[u8]) -> Result<&str, FhirError> {
    std::str::from_utf8(bytes).map_err(|err| {
        FhirError::at(
            "",
            format!(
                "not a JSON text file (invalid UTF-8 at byte {})",
                err.valid_up_to()
            ),
        )
    })
}

/// Skips a byte-order mark and leading white space; returns how many whole lines it skipped
/// (so that NDJSON lines keep the numbers an editor shows).
fn skip_bom_and_space(reader: &mut impl BufRead) -> Result<usize, FhirError> {
    let mut at_start = true;
    let mut lines = 0;
    loop {
        let buffer = reader
            .fill_buf()
            .map_err(|err| FhirError::at("", format!("cannot read: {err}")))?;
        if buffer.is_empty() {
            return Ok(lines);
        }
        if at_start && buffer.starts_with("\u{feff}".as_bytes()) {
            reader.consume(3);
            at_start = false;
            continue;
        }
        at_start = false;
        let blank = buffer
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        #[allow(clippy::naive_bytecount)] // a few blank lines at the start of a file
        let newlines = buffer[..blank].iter().filter(|&&b| b == b'\n').count();
        lines += newlines;
        let all = blank == buffer.len();
        reader.consume(blank);
        if !all {
            return Ok(lines);
        }
    }
}

/// A top-level document or NDJSON line, parsed shallowly: a bundle's entries stay raw text.
#[derive(Deserialize)]
struct Document<'a> {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    id: Option<String>,
    #[serde(rename = "type", default)]
    bundle_type: Option<IgnoredOrString>,
    #[serde(default, borrow)]
    entry: Option<Vec<EntryIn<'a>>>,
    #[serde(default)]
    link: Vec<Link>,
    #[serde(default)]
    meta: Option<SourceMeta>,
    #[serde(default)]
    timestamp: Option<IgnoredOrString>,
}

/// Of a Bundle's `meta`, where it comes from and when it was written.
#[derive(Debug, Default, Deserialize)]
struct SourceMeta {
    source: Option<String>,
    #[serde(rename = "lastUpdated", default)]
    last_updated: Option<IgnoredOrString>,
}

impl SourceMeta {
    fn written(&self) -> Option<String> {
        self.last_updated
            .as_ref()
            .and_then(IgnoredOrString::text)
            .map(str::to_owned)
    }
}

/// A value read as a string when it is one (`Bundle.type`), ignored otherwise (a `type` element
/// of another resource may be a CodeableConcept).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IgnoredOrString {
    Text(String),
    Other(IgnoredAny),
}

impl IgnoredOrString {
    fn text(&self) -> Option<&str> {
        match self {
            IgnoredOrString::Text(text) => Some(text),
            IgnoredOrString::Other(_) => None,
        }
    }
}

/// A bundle entry's `response`, for when a `DELETE` was done; read leniently (a broken
/// response changes nothing that was read before it was).
#[derive(Debug, Default, Deserialize)]
struct EntryResponse {
    #[serde(rename = "lastModified", default)]
    last_modified: Option<IgnoredOrString>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ResponseIn {
    Given(EntryResponse),
    Other(IgnoredAny),
}

impl ResponseIn {
    fn last_modified(&self) -> Option<&str> {
        match self {
            ResponseIn::Given(response) => response.last_modified.as_ref()?.text(),
            ResponseIn::Other(_) => None,
        }
    }
}

#[derive(Deserialize)]
struct EntryIn<'a> {
    #[serde(rename = "fullUrl", borrow)]
    full_url: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
    request: Option<EntryRequest>,
    #[serde(default)]
    response: Option<ResponseIn>,
}

#[derive(Debug, Default, Deserialize)]
struct Link {
    relation: Option<String>,
    url: Option<String>,
}

/// Whether a bundle's links say it is a patient's whole record: the one page of an unfiltered
/// `$everything`. A page with a next or a previous page holds only part of the record, and the
/// operation's parameters that narrow it (`_since`, `_type`, `start`, `end`, and any other
/// than the page size and the format) leave out what the record still holds: treating either
/// as whole would remove the rest.
fn complete_record(links: &[Link]) -> bool {
    let unfiltered_everything = |url: &str| {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        path.ends_with("$everything")
            && query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .all(|pair| {
                    let name = pair.split_once('=').map_or(pair, |(name, _)| name);
                    matches!(name, "_count" | "_format" | "_pretty")
                })
    };
    let everything = links.iter().any(|link| {
        link.relation.as_deref() == Some("self")
            && link.url.as_deref().is_some_and(unfiltered_everything)
    });
    everything
        && !links
            .iter()
            .any(|link| matches!(link.relation.as_deref(), Some("next" | "previous" | "prev")))
}

fn each_in_text<E>(
    text: &str,
    each: &mut impl FnMut(RawResource<'_>) -> Result<(), E>,
) -> Result<StreamSummary, StreamError<E>> {
    let body = text.trim_start_matches('\u{feff}');
    let trimmed = body.trim_start();
    match serde_json::from_str::<Document<'_>>(trimmed) {
        Ok(document) => {
            let mut summary = StreamSummary::default();
            let mut across = Across::default();
            let complete =
                document_resources(trimmed, document, "", each, &mut summary, &mut across)?;
            summary.complete_record = complete;
            Ok(summary)
        }
        // Not one JSON document: NDJSON, one resource per line (numbered as in the file).
        Err(whole) if looks_like_ndjson(trimmed) => {
            let mut summary = StreamSummary::default();
            let mut complete = true;
            for (number, line) in body.lines().enumerate() {
                complete &= ndjson_line(line, number + 1, &whole, each, &mut summary)?;
            }
            summary.complete_record = complete && summary.resources > 0;
            Ok(summary)
        }
        Err(err) => Err(json_error("", &err).into()),
    }
}

/// One NDJSON line; returns whether it was a complete-record bundle (true for a blank line,
/// false for a plain resource).
fn ndjson_line<E>(
    line: &str,
    number: usize,
    whole: &dyn std::fmt::Display,
    each: &mut impl FnMut(RawResource<'_>) -> Result<(), E>,
    summary: &mut StreamSummary,
) -> Result<bool, StreamError<E>> {
    let line_text = line.trim();
    if line_text.is_empty() {
        return Ok(true);
    }
    let path = format!("line {number}");
    let document: Document<'_> = serde_json::from_str(line_text).map_err(|err| {
        FhirError::at(
            &path,
            format!("not a JSON resource ({err}); the file is neither JSON ({whole}) nor NDJSON"),
        )
    })?;
    // Each line is a document of its own (a deleted-resources Bundle is not a page of another).
    let mut across = Across::default();
    document_resources(
        line_text,
        document,
        &format!("{path} "),
        each,
        summary,
        &mut across,
    )
}

/// Whether a text that is not one JSON document is meant as NDJSON: more than one line, and its
/// first line a JSON value on its own or its second line the start of another object. A
/// pretty-printed document (`{` alone on the first line, then `"key": …`) is not, so that its
/// error points at the line of the problem.
fn looks_like_ndjson(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let (Some(first), Some(second)) = (lines.next(), lines.next()) else {
        return false;
    };
    second.starts_with('{') || serde_json::from_str::<IgnoredAny>(first).is_ok()
}

pub(super) fn json_error(path: &str, err: &serde_json::Error) -> FhirError {
    let message = match err.classify() {
        serde_json::error::Category::Eof => format!(
            "the JSON ends too early (truncated?) at line {}",
            err.line()
        ),
        _ => format!("{err}"),
    };
    FhirError::at(path, message)
}

/// The resources of one parsed document (a bundle's entries, or the document itself); returns
/// whether it is a complete record.
fn document_resources<E>(
    text: &str,
    document: Document<'_>,
    prefix: &str,
    each: &mut impl FnMut(RawResource<'_>) -> Result<(), E>,
    summary: &mut StreamSummary,
    across: &mut Across,
) -> Result<bool, StreamError<E>> {
    let here = if prefix.is_empty() {
        String::from("$")
    } else {
        prefix.trim_end().to_owned()
    };
    let Some(resource_type) = document.resource_type else {
        return Err(FhirError::at(&here, "no resourceType: not a FHIR resource").into());
    };
    let resource_type = known_type(&here, &resource_type)?;
    if resource_type != "Bundle" {
        summary.resources += 1;
        each(RawResource {
            path: here,
            full_url: None,
            json: text,
            resource_type,
            id: document.id.as_deref(),
            request: None,
            deleted_at: None,
        })
        .map_err(StreamError::Stopped)?;
        return Ok(false);
    }
    if let Some(IgnoredOrString::Other(_)) = document.bundle_type {
        return Err(FhirError::at(&here, "Bundle.type is not a code").into());
    }
    if summary.source.is_none() {
        summary.source = document.meta.as_ref().and_then(|meta| meta.source.clone());
    }
    if across.depth == 0 {
        across.holder_source = document.meta.as_ref().and_then(|meta| meta.source.clone());
    }
    summary.assembled_at([
        document
            .timestamp
            .as_ref()
            .and_then(IgnoredOrString::text)
            .map(str::to_owned),
        document.meta.as_ref().and_then(SourceMeta::written),
    ]);
    let versions = Versions::of(document.bundle_type.as_ref());
    for (index, entry) in document
        .entry
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        entry_resource(prefix, index, entry, each, summary, versions, across)?;
    }
    Ok(complete_record(&document.link))
}

/// Whether a bundle's entries are versions, newest first. R4 (http.html#history) sorts a
/// history "with oldest versions last": the first entry of a resource is its current version
/// (a deletion, an `entered-in-error`, a correction), and each entry after it an older one,
/// which must not take its place. Other bundles name each resource once.
#[derive(Clone, Copy)]
enum Versions {
    AllEntries,
    NewestOnly,
}

/// What the reading of one file keeps across its Bundles, the outer one and those inside it.
#[derive(Default)]
struct Across {
    /// `Type/id` of each resource a history Bundle of the file has given its newest version
    /// of: history pages nested in one file are one history, newest first across the pages
    /// (RV-3), so an older version on a later page must not replace the newest of an earlier.
    newest: HashSet<String>,
    /// How deep the Bundle being read is inside the file's (0: the file's own).
    depth: usize,
    /// The server the entries of the file's inner Bundles come from, once one names it, and
    /// the inner Bundle that named it first.
    inner_server: Option<(Origin, usize)>,
    /// The servers the outer Bundle's own entries come from.
    outer_servers: Vec<Origin>,
    /// The `meta.source` of the Bundle whose entries are being read.
    holder_source: Option<String>,
    /// The inner Bundle being read (its number in the file, and its path), when one is.
    inner_bundle: (usize, String),
    /// How many inner Bundles the file has shown so far.
    inner_bundles: usize,
    /// Where the first entry stands that names a record and whose server is unknown
    /// (a `urn:` or no `fullUrl`, its Bundle naming no `meta.source`).
    unnamed: Option<String>,
}

/// Where an entry comes from: a server's base as written, and as [`same_server`] spells it.
struct Origin {
    written: String,
    spelled: String,
}

impl Origin {
    /// The server an entry comes from, as written: the base of its RESTful `fullUrl`, else the
    /// server its Bundle's `meta.source` names (R4 Meta.source: the system the resource came
    /// from; its `#fragment` names a request, not a server). Unknown for a `urn:` entry of a
    /// Bundle that says no source.
    fn written<'u>(full_url: Option<&'u str>, holder_source: Option<&'u str>) -> Option<&'u str> {
        if let Some(base) = full_url.and_then(server_base) {
            return Some(base);
        }
        let source = holder_source?.split('#').next()?.trim_end_matches('/');
        (!source.is_empty()).then_some(source)
    }

    fn of(written: &str) -> Self {
        let spelled = if written.starts_with("http://") || written.starts_with("https://") {
            same_server(written)
        } else {
            written.to_owned()
        };
        Origin {
            written: written.to_owned(),
            spelled,
        }
    }
}

impl Across {
    /// Refuses an entry of an inner Bundle from another server than an earlier inner entry's,
    /// or than the outer Bundle's own entries' (RV-2, RR-14): a `collection` of two servers'
    /// searchsets read as one source would take the same id on both for one record (one
    /// person's record filed on another, one lost); the user's `--source` cannot split one
    /// file. The outer Bundle's own entries may come from two servers while it holds no
    /// Bundle (the import weighs each Patient's); once it holds one, they are held to its.
    ///
    /// In a file holding an inner Bundle, an entry whose server is unknown beside one whose
    /// server is named is such a mix too (RV-3): whether the one's Patient/1 is the other's is
    /// not known. `keyed` says whether the entry names a record as the import keys it (its
    /// resource's id or `fullUrl`, a `DELETE`'s URL): one that does not (a searchset's
    /// OperationOutcome with neither) names none another could be taken for. Only a file with no inner Bundle may mix them, as before.
    fn check_server(
        &mut self,
        path: &str,
        full_url: Option<&str>,
        keyed: bool,
    ) -> Result<(), FhirError> {
        let Some(written) = Origin::written(full_url, self.holder_source.as_deref()) else {
            if keyed && self.unnamed.is_none() {
                self.unnamed = Some(path.to_owned());
            }
            return self.check_unnamed(path);
        };
        if self.unnamed.is_some() {
            self.check_unnamed_beside(path, written)?;
        }
        // An entry from a server already seen as written, where it cannot differ from another
        // (most files hold no Bundle): no allocation.
        let seen = |origin: &Origin| origin.written == written;
        let known = match &self.inner_server {
            None => self.depth == 0 && self.outer_servers.iter().any(seen),
            Some((inner, _)) => seen(inner) && self.outer_servers.iter().all(seen),
        };
        if known {
            return Ok(());
        }
        let origin = Origin::of(written);
        let advice = "refract keeps one file's records under one source; import each server's \
                      part as a file of its own, with its own --source";
        let outer_and_inner = |outer: &str, inner: &str| {
            FhirError::at(
                path,
                format!(
                    "this Bundle's entries and the Bundles inside it come from two servers \
                     ({outer} and {inner}): {advice}"
                ),
            )
        };
        if self.depth == 0 {
            if let Some((inner, _)) = &self.inner_server
                && inner.spelled != origin.spelled
            {
                return Err(outer_and_inner(&origin.written, &inner.written));
            }
            if !self
                .outer_servers
                .iter()
                .any(|o| o.spelled == origin.spelled)
            {
                self.outer_servers.push(origin);
            }
            return Ok(());
        }
        if let Some(outer) = self
            .outer_servers
            .iter()
            .find(|o| o.spelled != origin.spelled)
        {
            return Err(outer_and_inner(&outer.written, &origin.written));
        }
        match &self.inner_server {
            None => {
                self.inner_server = Some((origin, self.inner_bundle.0));
                Ok(())
            }
            Some((known, _)) if known.spelled == origin.spelled => Ok(()),
            Some((first, bundle)) => {
                let first = &first.written;
                let base = &origin.written;
                let message = if *bundle == self.inner_bundle.0 {
                    format!(
                        "the Bundle inside this Bundle at {} names two servers ({first} and \
                         {base}): {advice}",
                        self.inner_bundle.1
                    )
                } else {
                    format!(
                        "the Bundles inside this Bundle come from two servers ({first} and \
                         {base}): {advice}"
                    )
                };
                Err(FhirError::at(path, message))
            }
        }
    }

    /// Refuses the file, once it holds an inner Bundle, if an entry of an unknown server
    /// stands beside one whose server is named (see [`Across::check_server`]).
    fn check_unnamed(&self, path: &str) -> Result<(), FhirError> {
        if self.unnamed.is_none() {
            return Ok(());
        }
        let named = match &self.inner_server {
            Some((inner, _)) => Some(inner),
            None => self.outer_servers.first(),
        };
        match named {
            Some(named) => self.check_unnamed_beside(path, &named.written),
            None => Ok(()),
        }
    }

    fn check_unnamed_beside(&self, path: &str, named: &str) -> Result<(), FhirError> {
        let Some(at) = &self.unnamed else {
            return Ok(());
        };
        if self.inner_bundles == 0 {
            return Ok(());
        }
        Err(FhirError::at(
            path,
            format!(
                "entries from {named} beside entries of a Bundle that names no server (from \
                 {at}): the same id in both may be two people taken for one; import each part \
                 as a file of its own, with its own --source"
            ),
        ))
    }
}

impl Versions {
    fn of(bundle_type: Option<&IgnoredOrString>) -> Self {
        match bundle_type {
            Some(IgnoredOrString::Text(kind)) if kind == "history" => Versions::NewestOnly,
            _ => Versions::AllEntries,
        }
    }

    /// Whether the entry of `key` (`Type/id`) is to be read: not an older version of one read
    /// by any history Bundle of the file.
    fn first(self, key: Option<String>, across: &mut Across) -> bool {
        match (self, key) {
            (Versions::NewestOnly, Some(key)) => across.newest.insert(key),
            _ => true,
        }
    }
}

/// `Type/id` of a request's URL (`MedicationStatement/m1`, absolute or with a version).
fn request_key(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let at = segments
        .iter()
        .rposition(|segment| R4_RESOURCE_TYPES.binary_search(segment).is_ok())?;
    let id = segments.get(at + 1)?;
    Some(format!("{}/{id}", segments[at]))
}

fn entry_resource<E>(
    prefix: &str,
    index: usize,
    entry: &EntryIn<'_>,
    each: &mut impl FnMut(RawResource<'_>) -> Result<(), E>,
    summary: &mut StreamSummary,
    versions: Versions,
    across: &mut Across,
) -> Result<(), StreamError<E>> {
    let path = format!("{prefix}entry[{index}].resource");
    let deleted_at = entry.response.as_ref().and_then(ResponseIn::last_modified);
    let here = || format!("{prefix}entry[{index}]");
    let Some(resource) = entry.resource else {
        // A deletion in a transaction or history bundle names its resource in the request only.
        let deleted = entry.request.as_ref().and_then(|request| {
            request
                .method
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case("DELETE"))
                .then(|| request.url.as_deref().and_then(request_key))
        });
        let keyed = deleted
            .as_ref()
            .is_some_and(|key| key.is_some() || entry.full_url.is_some());
        across.check_server(&here(), entry.full_url.as_deref(), keyed)?;
        if let (Some(request), Some(key)) = (&entry.request, deleted)
            && versions.first(key, across)
        {
            summary.resources += 1;
            each(RawResource {
                path: format!("{prefix}entry[{index}].request"),
                full_url: entry.full_url.as_deref(),
                json: "{}",
                resource_type: "",
                id: None,
                request: Some(request),
                deleted_at,
            })
            .map_err(StreamError::Stopped)?;
        }
        return Ok(());
    };
    let head = head_of(resource.get()).map_err(|err| json_error(&path, &err))?;
    let Some(resource_type) = head.resource_type else {
        return Err(FhirError::at(&path, "no resourceType").into());
    };
    let resource_type = known_type(&path, &resource_type)?;
    // R4 allows a Bundle as an entry's resource (a `collection` of `searchset`s, a
    // `batch-response` holding each search's): its entries are read as the outer one's are,
    // each with its own `fullUrl` (RR-8). Whether it is a whole record is the outer Bundle's
    // to say, never an inner one's.
    if resource_type == "Bundle" {
        let inner: Document<'_> =
            serde_json::from_str(resource.get()).map_err(|err| json_error(&path, &err))?;
        across.inner_bundles += 1;
        // The outer Bundle's own entries before it may already mix a named server with none.
        across.check_unnamed(&here())?;
        let holder = std::mem::replace(
            &mut across.holder_source,
            inner.meta.as_ref().and_then(|meta| meta.source.clone()),
        );
        let bundle = std::mem::replace(&mut across.inner_bundle, (across.inner_bundles, here()));
        across.depth += 1;
        let read = document_resources(
            resource.get(),
            inner,
            &format!("{path}."),
            each,
            summary,
            across,
        );
        across.depth -= 1;
        across.holder_source = holder;
        across.inner_bundle = bundle;
        read?;
        return Ok(());
    }
    let keyed = head.id.is_some() || entry.full_url.is_some();
    across.check_server(&here(), entry.full_url.as_deref(), keyed)?;
    if !versions.first(
        head.id.as_deref().map(|id| format!("{resource_type}/{id}")),
        across,
    ) {
        return Ok(());
    }
    summary.resources += 1;
    each(RawResource {
        path,
        full_url: entry.full_url.as_deref(),
        json: resource.get(),
        resource_type,
        id: head.id.as_deref(),
        request: entry.request.as_ref(),
        deleted_at,
    })
    .map_err(StreamError::Stopped)
}

/// The type and id of a bundle entry's resource, whose JSON the bundle's parse has already
/// checked whole: read from its first keys, stopping once both are found (FHIR writes
/// `resourceType` first and the id after it), instead of skipping through the rest of every
/// resource a second time (an eighth of the import of Synthea bundles).
fn head_of(json: &str) -> Result<Head, serde_json::Error> {
    struct Keys<'h> {
        head: &'h mut Head,
        done: &'h mut bool,
    }
    impl<'de> Visitor<'de> for Keys<'_> {
        type Value = ();
        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("a FHIR resource (a JSON object)")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen_type = false;
            let mut seen_id = false;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.as_ref() {
                    "resourceType" if seen_type => {
                        return Err(de::Error::duplicate_field("resourceType"));
                    }
                    "resourceType" => {
                        self.head.resource_type = map.next_value()?;
                        seen_type = true;
                    }
                    "id" if seen_id => return Err(de::Error::duplicate_field("id")),
                    "id" => {
                        self.head.id = map.next_value()?;
                        seen_id = true;
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                if seen_type && seen_id {
                    *self.done = true;
                    // Stops the parse: the rest of the object is not read.
                    return Err(de::Error::custom("found"));
                }
            }
            Ok(())
        }
    }
    let mut head = Head {
        resource_type: None,
        id: None,
    };
    let mut done = false;
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let read = de::Deserializer::deserialize_map(
        &mut deserializer,
        Keys {
            head: &mut head,
            done: &mut done,
        },
    );
    match read {
        Err(_) if done => {}
        Err(err) => return Err(err),
        Ok(()) => deserializer.end()?,
    }
    Ok(head)
}

/// A file too large to read whole: NDJSON when its first line is a JSON value of its own, else
/// one document parsed from the reader.
fn each_in_stream<R: BufRead, E>(
    mut reader: R,
    each: &mut impl FnMut(RawResource<'_>) -> Result<(), E>,
) -> Result<StreamSummary, StreamError<E>> {
    let blank_lines = skip_bom_and_space(&mut reader)?;
    match reader
        .fill_buf()
        .map_err(|err| FhirError::at("", format!("cannot read: {err}")))?
        .first()
    {
        None => return Err(FhirError::at("", "the file is empty").into()),
        Some(b'{') => {}
        Some(_) => {
            return Err(
                FhirError::at("", "not a FHIR JSON file (it does not start with '{')").into(),
            );
        }
    }
    let mut first = Vec::new();
    let complete_line = read_line_capped(&mut reader, &mut first)?;
    let first_is_value = complete_line
        && std::str::from_utf8(&first)
            .ok()
            .is_some_and(|text| serde_json::from_str::<IgnoredAny>(text.trim()).is_ok());
    if first_is_value {
        return each_ndjson_line(first, blank_lines, reader, each);
    }
    stream_document(std::io::Cursor::new(first).chain(reader), each)
}

/// Reads up to and including the next newline into `line`; false when the line was longer than
/// [`MAX_LINE_BYTES`] (what was read so far stays in `line`).
fn read_line_capped(reader: &mut impl BufRead, line: &mut Vec<u8>) -> Result<bool, FhirError> {
    line.clear();
    loop {
        let buffer = reader
            .fill_buf()
            .map_err(|err| FhirError::at("", format!("cannot read: {err}")))?;
        if buffer.is_empty() {
            return Ok(true);
        }
        let (take, done) = match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => (end + 1, true),
            None => (buffer.len(), false),
        };
        line.extend_from_slice(&buffer[..take]);
        reader.consume(take);
        if done {
            return Ok(true);
        }
        if line.len() > MAX_LINE_BYTES {
            return Ok(false);
        }
    }
}

fn each_ndjson_line<R: BufRead, E>(
    first: Vec<u8>,
    blank_lines: usize,
    mut reader: R,
    each: &mut impl FnMut(RawResource<'_>) -> Result<(), E>,
) -> Result<StreamSummary, StreamError<E>> {
    let mut summary = StreamSummary::default();
    let mut complete = true;
    let mut line = first;
    let mut number = blank_lines;
    loop {
        number += 1;
        if line.is_empty() {
            break;
        }
        let text = std::str::from_utf8(&line).map_err(|err| {
            FhirError::at(
                &format!("line {number}"),
                format!("invalid UTF-8 at byte {} of the line", err.valid_up_to()),
            )
        })?;
        complete &= ndjson_line(text, number, &"one JSON value per line", each, &mut summary)?;
        if !read_line_capped(&mut reader, &mut line)? {
            return Err(FhirError::at(
                &format!("line {}", number + 1),
                format!("the line is longer than {} MiB", MAX_LINE_BYTES >> 20),
            )
            .into());
        }
    }
    summary.complete_record = complete && summary.resources > 0;
    Ok(summary)
}

/// One document parsed from a reader: a Bundle's entries are handed over one at a time as
/// they are parsed. (A single resource this large is refused: no resource is 64 MiB.)
fn stream_document<R: Read, E>(
    reader: R,
    each: &mut impl FnMut(RawResource<'_>) -> Result<(), E>,
) -> Result<StreamSummary, StreamError<E>> {
    let mut state = StreamState {
        each,
        stopped: None,
        fhir: None,
        summary: StreamSummary::default(),
        entry_index: 0,
        versions: Versions::AllEntries,
        across: Across::default(),
    };
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let result = DocumentSeed { state: &mut state }.deserialize(&mut deserializer);
    let result = result.and_then(|head| deserializer.end().map(|()| head));
    if let Some(stopped) = state.stopped {
        return Err(StreamError::Stopped(stopped));
    }
    if let Some(fhir) = state.fhir {
        return Err(fhir.into());
    }
    let head = result.map_err(|err| {
        let path = if state.entry_index > 0 {
            format!("entry[{}]", state.entry_index - 1)
        } else {
            String::new()
        };
        json_error(&path, &err)
    })?;
    match head.resource_type.as_deref() {
        None => Err(FhirError::at("$", "no resourceType: not a FHIR resource").into()),
        Some("Bundle") => {
            let mut summary = state.summary;
            summary.complete_record = complete_record(&head.links);
            summary.source = head.source;
            summary.assembled_at(head.assembled);
            Ok(summary)
        }
        Some(other) => {
            known_type("$", other)?;
            Err(FhirError::at(
                "$",
                format!(
                    "a single {other} larger than {} MiB: not a record",
                    WHOLE_FILE_BYTES >> 20
                ),
            )
            .into())
        }
    }
}

struct StreamState<'f, F, E> {
    each: &'f mut F,
    stopped: Option<E>,
    fhir: Option<FhirError>,
    summary: StreamSummary,
    entry_index: usize,
    /// Known once `Bundle.type` is read, which FHIR's JSON writes before `entry`.
    versions: Versions,
    across: Across,
}

struct StreamedHead {
    resource_type: Option<String>,
    links: Vec<Link>,
    source: Option<String>,
    /// `timestamp` and `meta.lastUpdated` (see [`StreamSummary::assembled`]).
    assembled: [Option<String>; 2],
}

struct DocumentSeed<'s, 'f, F, E> {
    state: &'s mut StreamState<'f, F, E>,
}

impl<'de, F, E> DeserializeSeed<'de> for DocumentSeed<'_, '_, F, E>
where
    F: FnMut(RawResource<'_>) -> Result<(), E>,
{
    type Value = StreamedHead;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F, E> Visitor<'de> for DocumentSeed<'_, '_, F, E>
where
    F: FnMut(RawResource<'_>) -> Result<(), E>,
{
    type Value = StreamedHead;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a FHIR resource (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut head = StreamedHead {
            resource_type: None,
            links: Vec::new(),
            source: None,
            assembled: [None, None],
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "resourceType" => head.resource_type = Some(map.next_value()?),
                "type" => {
                    let kind = map.next_value::<IgnoredOrString>()?;
                    self.state.versions = Versions::of(Some(&kind));
                }
                "link" => head.links = map.next_value()?,
                "meta" => {
                    let meta = map.next_value::<Option<SourceMeta>>()?;
                    head.assembled[1] = meta.as_ref().and_then(SourceMeta::written);
                    head.source = meta.and_then(|meta| meta.source);
                    self.state.across.holder_source.clone_from(&head.source);
                }
                "timestamp" => {
                    let timestamp = map.next_value::<IgnoredOrString>()?;
                    head.assembled[0] = timestamp.text().map(str::to_owned);
                }
                "entry" => map.next_value_seed(EntriesSeed {
                    state: &mut *self.state,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

struct EntriesSeed<'s, 'f, F, E> {
    state: &'s mut StreamState<'f, F, E>,
}

impl<'de, F, E> DeserializeSeed<'de> for EntriesSeed<'_, '_, F, E>
where
    F: FnMut(RawResource<'_>) -> Result<(), E>,
{
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

/// A bundle entry read from a stream (owned: the reader's buffer moves on).
#[derive(Deserialize)]
struct EntryOwned {
    #[serde(rename = "fullUrl")]
    full_url: Option<String>,
    resource: Option<Box<RawValue>>,
    request: Option<EntryRequest>,
    #[serde(default)]
    response: Option<ResponseIn>,
}

impl<'de, F, E> Visitor<'de> for EntriesSeed<'_, '_, F, E>
where
    F: FnMut(RawResource<'_>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a list of bundle entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.state;
        loop {
            state.entry_index += 1;
            let Some(entry) = seq.next_element::<EntryOwned>()? else {
                return Ok(());
            };
            let borrowed = EntryIn {
                full_url: entry.full_url.as_deref().map(std::borrow::Cow::Borrowed),
                resource: entry.resource.as_deref(),
                request: entry.request.clone(),
                response: entry.response,
            };
            let index = state.entry_index - 1;
            match entry_resource(
                "",
                index,
                &borrowed,
                &mut *state.each,
                &mut state.summary,
                state.versions,
                &mut state.across,
            ) {
                Ok(()) => {}
                Err(StreamError::Stopped(err)) => {
                    state.stopped = Some(err);
                    return Err(de::Error::custom("stopped"));
                }
                Err(StreamError::Fhir(err)) => {
                    state.fhir = Some(err);
                    return Err(de::Error::custom("broken entry"));
                }
            }
        }
    }
}

/// The resource types of FHIR R4 (4.0.1), sorted: anything else is not a FHIR R4 resource (a
/// typo, another format, another FHIR version) and fails the file rather than being skipped.
const R4_RESOURCE_TYPES: [&str; 146] = [
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
];

/// `resource_type` as a static name when it is a FHIR R4 resource type.
fn known_type(path: &str, resource_type: &str) -> Result<&'static str, FhirError> {
    R4_RESOURCE_TYPES
        .binary_search(&resource_type)
        .map(|index| R4_RESOURCE_TYPES[index])
        .map_err(|_| {
            FhirError::at(
                path,
                format!("unknown resourceType '{resource_type}': not a FHIR R4 resource"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(bytes: &[u8], size: u64) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        each_resource::<_, ()>(bytes, size, |raw| {
            out.push((raw.path.clone(), raw.resource_type.to_owned()));
            Ok(())
        })
        .map_err(|err| match err {
            StreamError::Fhir(err) => err.to_string(),
            StreamError::Stopped(()) => String::from("stopped"),
        })?;
        Ok(out)
    }

    #[test]
    fn resource_types_are_sorted_and_unique() {
        assert!(R4_RESOURCE_TYPES.windows(2).all(|w| w[0] < w[1]));
        assert!(known_type("$", "MedicationStatement").is_ok());
        assert!(known_type("$", "Patiant").is_err());
    }

    const BUNDLE: &str = r#"{"resourceType":"Bundle","type":"collection","entry":[
        {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"1"}},
        {"resource":{"resourceType":"Condition","id":"c"}}]}"#;

    #[test]
    fn a_bundle_read_whole_and_streamed_gives_the_same_resources() {
        let whole = collect(BUNDLE.as_bytes(), BUNDLE.len() as u64).unwrap();
        // A size above the whole-file limit makes the reader stream the same bytes.
        let streamed = collect(BUNDLE.as_bytes(), WHOLE_FILE_BYTES + 1).unwrap();
        assert_eq!(whole, streamed);
        assert_eq!(
            whole,
            [
                ("entry[0].resource".to_owned(), "Patient".to_owned()),
                ("entry[1].resource".to_owned(), "Condition".to_owned())
            ]
        );
    }

    #[test]
    fn ndjson_read_whole_and_streamed_gives_the_same_resources() {
        let text =
            "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n\n{\"resourceType\":\"Observation\"}\n";
        let whole = collect(text.as_bytes(), text.len() as u64).unwrap();
        let streamed = collect(text.as_bytes(), WHOLE_FILE_BYTES + 1).unwrap();
        assert_eq!(whole, streamed);
        assert_eq!(whole[1].0, "line 3");
    }

    #[test]
    fn broken_files_are_refused_whole_or_streamed() {
        for text in [
            "",
            "[1]",
            "{\"resourceType\":\"Patiant\"}",
            "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"id\":\"x\"}}]}",
            "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"",
        ] {
            assert!(
                collect(text.as_bytes(), text.len() as u64).is_err(),
                "{text}"
            );
            assert!(
                collect(text.as_bytes(), WHOLE_FILE_BYTES + 1).is_err(),
                "streamed: {text}"
            );
        }
    }

    #[test]
    fn an_everything_bundle_on_its_last_page_is_a_complete_record() {
        let text = r#"{"resourceType":"Bundle","type":"searchset",
            "link":[{"relation":"self","url":"https://ehr.example/fhir/Patient/1/$everything"}],
            "entry":[{"resource":{"resourceType":"Patient","id":"1"}}]}"#;
        let summary =
            each_resource::<_, ()>(text.as_bytes(), text.len() as u64, |_| Ok(())).unwrap();
        assert!(summary.complete_record);
        let paged = text.replace(
            "[{\"relation\":\"self\"",
            "[{\"relation\":\"next\",\"url\":\"x\"},{\"relation\":\"self\"",
        );
        let summary =
            each_resource::<_, ()>(paged.as_bytes(), WHOLE_FILE_BYTES + 1, |_| Ok(())).unwrap();
        assert!(!summary.complete_record);
    }

    /// Only the one page of an unfiltered `$everything` is a whole record: the last of several
    /// pages, or a record narrowed by date or type, holds part of it.
    #[test]
    fn a_request_url_names_its_resource_however_it_is_written() {
        for (url, key) in [
            ("MedicationStatement/m2", Some("MedicationStatement/m2")),
            (
                "https://ehr.example/fhir/MedicationStatement/m2/_history/3",
                Some("MedicationStatement/m2"),
            ),
            ("/Condition/c-9", Some("Condition/c-9")),
            ("MedicationStatement?identifier=x|1", None),
            ("MedicationStatement", None),
        ] {
            assert_eq!(request_key(url).as_deref(), key, "{url}");
        }
    }

    #[test]
    fn a_narrowed_or_later_page_of_everything_is_not_a_complete_record() {
        let with_links = |links: &str| {
            let text = format!(
                r#"{{"resourceType":"Bundle","type":"searchset","link":[{links}],
                    "entry":[{{"resource":{{"resourceType":"Patient","id":"1"}}}}]}}"#
            );
            each_resource::<_, ()>(text.as_bytes(), text.len() as u64, |_| Ok(()))
                .unwrap()
                .complete_record
        };
        let base = "https://ehr.example/fhir/Patient/1/$everything";
        for (links, complete) in [
            (
                format!(r#"{{"relation":"self","url":"{base}?_count=500"}}"#),
                true,
            ),
            (
                format!(r#"{{"relation":"self","url":"{base}?_format=json&_count=50"}}"#),
                true,
            ),
            (
                format!(r#"{{"relation":"self","url":"{base}?_since=2026-08-01T00:00:00Z"}}"#),
                false,
            ),
            (
                format!(r#"{{"relation":"self","url":"{base}?_type=Patient,Observation"}}"#),
                false,
            ),
            (
                format!(r#"{{"relation":"self","url":"{base}?start=2026-01-01"}}"#),
                false,
            ),
            (
                format!(
                    r#"{{"relation":"self","url":"{base}"}},{{"relation":"previous","url":"x"}}"#
                ),
                false,
            ),
            (
                format!(r#"{{"relation":"self","url":"{base}"}},{{"relation":"prev","url":"x"}}"#),
                false,
            ),
            (
                String::from(
                    r#"{"relation":"self","url":"https://ehr.example/fhir/Patient?_id=1&_revinclude=*"}"#,
                ),
                false,
            ),
        ] {
            assert_eq!(with_links(&links), complete, "{links}");
        }
    }

    #[test]
    fn a_deletion_entry_is_handed_over_with_its_request() {
        let text = r#"{"resourceType":"Bundle","type":"transaction","entry":[
            {"request":{"method":"DELETE","url":"Condition/9"}}]}"#;
        let mut seen = Vec::new();
        each_resource::<_, ()>(text.as_bytes(), text.len() as u64, |raw| {
            seen.push(raw.request.and_then(|r| r.url.clone()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [Some("Condition/9".to_owned())]);
    }
}
