//! The export archive: one zip file with `person.json` (the [`PersonExport`]),
//! `schema.json` (its JSON Schema), `README.txt`, and each attachment as
//! `attachments/<sha256>`.
//!
//! Reading an archive from outside is hostile input: entry count, entry sizes and the total
//! are capped before anything is decompressed in full (zip bombs), names are only ever matched
//! against the expected ones (never turned into paths), and every attachment must hash to its
//! name.

use crate::PrivacyError;
use crate::document::{FORMAT, PersonExport, schema_json};
use kairos_store::blobs::BlobStore;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;

/// Most entries an archive may have.
pub const MAX_ENTRIES: usize = 100_000;
/// Largest `person.json` accepted.
pub const MAX_DOCUMENT: u64 = 256 * 1024 * 1024;
/// Largest attachment accepted.
pub const MAX_ATTACHMENT: u64 = 64 * 1024 * 1024;
/// Most bytes an archive may unpack to.
pub const MAX_TOTAL: u64 = 2 * 1024 * 1024 * 1024;

const README: &str = "This archive holds everything one company keeps about you in Kairos, \
as of the time in person.json (`exported_at`).\n\n\
person.json   your profile, identities, conversations and messages, consents, context \
events, scores and their reasons, and who at the company accessed your data\n\
schema.json   the JSON Schema (draft 2020-12) that person.json follows\n\
attachments/  the files of your messages, each named by the SHA-256 of its content\n\n\
Another Kairos installation can import this archive as it is (`kairos privacy import`).\n";

/// Writes the archive of `export`, reading attachment contents from `blobs`. An attachment
/// whose blob is missing is left out of `attachments/` (its metadata stays) and reported.
pub async fn write(
    export: &PersonExport,
    blobs: &BlobStore,
) -> Result<(Vec<u8>, Vec<String>), PrivacyError> {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for a in &export.attachments {
        match blobs.get(&a.sha256).await? {
            Some(bytes) => files.push((a.sha256.clone(), bytes)),
            None => missing.push(a.sha256.clone()),
        }
    }
    let document = serde_json::to_vec_pretty(export)
        .map_err(|e| PrivacyError::InvalidArchive(format!("person.json: {e}")))?;
    let zipped = tokio::task::spawn_blocking(move || zip_up(&document, &files))
        .await
        .map_err(std::io::Error::other)??;
    Ok((zipped, missing))
}

fn zip_up(document: &[u8], files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, PrivacyError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut add = |name: &str, bytes: &[u8]| -> Result<(), PrivacyError> {
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(bytes)?;
        Ok(())
    };
    add("README.txt", README.as_bytes())?;
    add("person.json", document)?;
    add("schema.json", schema_json().as_bytes())?;
    for (sha, bytes) in files {
        add(&format!("attachments/{sha}"), bytes)?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

fn zip_error(e: zip::result::ZipError) -> PrivacyError {
    PrivacyError::InvalidArchive(e.to_string())
}

/// An archive read back: the document and the attachment contents by SHA-256.
#[derive(Debug)]
pub struct Unpacked {
    /// `person.json`.
    pub export: PersonExport,
    /// `attachments/<sha256>` contents, each verified against its name.
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// Reads and checks an archive (off the async workers: decompression is CPU work).
pub async fn read(bytes: Vec<u8>) -> Result<Unpacked, PrivacyError> {
    tokio::task::spawn_blocking(move || read_blocking(&bytes))
        .await
        .map_err(std::io::Error::other)?
}

fn read_blocking(bytes: &[u8]) -> Result<Unpacked, PrivacyError> {
    let invalid = |m: String| PrivacyError::InvalidArchive(m);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
    if zip.len() > MAX_ENTRIES {
        return Err(invalid(format!("more than {MAX_ENTRIES} entries")));
    }
    let mut total = 0u64;
    let mut document = None;
    let mut attachments = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(zip_error)?;
        let name = entry.name().to_owned();
        let limit = if name == "person.json" {
            MAX_DOCUMENT
        } else if name.starts_with("attachments/") {
            MAX_ATTACHMENT
        } else {
            continue;
        };
        // The declared size may lie; `take` enforces the limit while inflating.
        let mut content = Vec::new();
        (&mut entry).take(limit + 1).read_to_end(&mut content)?;
        if content.len() as u64 > limit {
            return Err(invalid(format!("{name} is larger than {limit} bytes")));
        }
        total += content.len() as u64;
        if total > MAX_TOTAL {
            return Err(invalid(format!("unpacks to more than {MAX_TOTAL} bytes")));
        }
        if name == "person.json" {
            document = Some(content);
        } else {
            let sha = name.trim_start_matches("attachments/").to_owned();
            if hex::encode(Sha256::digest(&content)) != sha {
                return Err(invalid(format!("{name} does not match its SHA-256")));
            }
            attachments.push((sha, content));
        }
    }
    let document = document.ok_or_else(|| invalid("person.json is missing".into()))?;
    let export: PersonExport =
        serde_json::from_slice(&document).map_err(|e| invalid(format!("person.json: {e}")))?;
    if export.format != FORMAT {
        return Err(invalid(format!(
            "person.json is format {:?}; this Kairos reads {FORMAT}",
            export.format
        )));
    }
    Ok(Unpacked {
        export,
        attachments,
    })
}
