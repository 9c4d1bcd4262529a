//! The content-addressed blob store for attachments: files named by the SHA-256 of their
//! content, in the data directory and outside any web root (checklist E04). The same bytes
//! are stored once; a blob is durable (file and directory fsynced) before `put` returns, so
//! a message that names it is never committed before its attachment.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A directory of blobs.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Opens (creating) the blob directory `root`.
    pub fn open(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self { root })
    }

    /// The directory the blobs live in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes`; returns their hex SHA-256, the blob's name.
    pub async fn put(&self, bytes: Vec<u8>) -> std::io::Result<String> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || put_blocking(&root, &bytes))
            .await
            .map_err(std::io::Error::other)?
    }

    /// The bytes of blob `sha256`, if stored. Names that are not 64 lower-case hex digits
    /// are never turned into paths.
    pub async fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path(sha256) else {
            return Ok(None);
        };
        match tokio::fs::read(path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes blob `sha256` (erasure); `false` if it was not stored.
    pub async fn delete(&self, sha256: &str) -> std::io::Result<bool> {
        let Some(path) = self.path(sha256) else {
            return Ok(false);
        };
        match tokio::fs::remove_file(path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether blob `sha256` is stored.
    pub fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).is_some_and(|p| p.exists())
    }

    fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }
}

fn put_blocking(root: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let name = hex::encode(Sha256::digest(bytes));
    let dir = root.join(&name[..2]);
    let target = dir.join(&name);
    if target.exists() {
        return Ok(name);
    }
    std::fs::create_dir_all(&dir)?;
    let tmp = root
        .join("tmp")
        .join(format!("{name}.{}", uuid::Uuid::now_v7().simple()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, &target)?;
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_are_named_by_content_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let a = blobs.put(b"hello".to_vec()).await.unwrap();
        assert_eq!(a, hex::encode(Sha256::digest(b"hello")));
        assert_eq!(blobs.put(b"hello".to_vec()).await.unwrap(), a);
        assert_eq!(blobs.get(&a).await.unwrap().unwrap(), b"hello");
        assert!(blobs.contains(&a));
        for bad in ["../../etc/passwd", "", &a.to_uppercase(), &a[..63]] {
            assert_eq!(blobs.get(bad).await.unwrap(), None, "{bad}");
        }
    }
}
