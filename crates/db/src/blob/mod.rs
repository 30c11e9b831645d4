//! Files (photos, signatures, attachments) are kept by the SHA-256 of their content behind one
//! interface. The local-directory backend is the default; an S3-compatible backend for several
//! instances implements the same trait, and no caller changes.

mod local;

pub use local::LocalBlobStore;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

/// The key of a stored file: the lower-case hex SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobKey(String);

impl BlobKey {
    /// The key of `bytes`.
    pub fn of(bytes: &[u8]) -> BlobKey {
        BlobKey(hex::encode(Sha256::digest(bytes)))
    }

    /// Accepts only well-formed keys, so a key can never smuggle a path.
    pub fn parse(s: &str) -> Option<BlobKey> {
        (s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| BlobKey(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("文件存储读写失败：{0}")]
    Io(#[from] std::io::Error),
    /// What was read back does not hash to its key: the file was altered or damaged on disk.
    #[error("文件 {0} 已损坏（内容与摘要不符）")]
    Corrupt(BlobKey),
    #[error("文件存储任务中断：{0}")]
    Task(String),
}

/// Content-addressed file storage. `put` is atomic: a reader sees the whole file or none of it,
/// also across a crash.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` and returns their key. Storing the same bytes twice keeps one copy.
    async fn put(&self, bytes: Vec<u8>) -> Result<BlobKey, BlobError>;
    /// The bytes under `key`, checked against the key; `None` when there is no such file.
    async fn get(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, BlobError>;
    async fn exists(&self, key: &BlobKey) -> Result<bool, BlobError>;
    /// Removes the file; removing a missing file is not an error.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
    /// Every stored file last written more than `age` ago (younger ones may belong to a write
    /// whose database transaction is still open, here or on another instance).
    async fn older_than(&self, age: std::time::Duration) -> Result<Vec<BlobKey>, BlobError>;
    /// Removes the file only if it is still older than `age` (the sweep's second look: a write
    /// of the same bytes may have refreshed it meanwhile); true when removed.
    async fn delete_if_older_than(
        &self,
        key: &BlobKey,
        age: std::time::Duration,
    ) -> Result<bool, BlobError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hashes_and_nothing_else() {
        let k = BlobKey::of(b"abc");
        assert_eq!(
            k.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(BlobKey::parse(k.as_str()), Some(k));
        assert_eq!(BlobKey::parse("../../etc/passwd"), None);
        assert_eq!(BlobKey::parse(&"A".repeat(64)), None);
    }
}
