//! Files in a directory under the data folder: `blobs/ab/cd/<key>`. Writes go to `blobs/tmp`,
//! are flushed to disk, then renamed into place, and the directory is flushed too, so a crash
//! leaves either the whole file or a temporary file that the next start removes.

use super::{BlobError, BlobKey, BlobStore};
use async_trait::async_trait;
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// Opens (and creates) the store under `root`, removing temporary files a crash left behind.
    pub fn open(root: impl Into<PathBuf>) -> Result<LocalBlobStore, BlobError> {
        let root = root.into();
        let tmp = root.join("tmp");
        fs::create_dir_all(&tmp)?;
        for entry in fs::read_dir(&tmp)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(LocalBlobStore { root })
    }

    fn path_of(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[0..2]).join(&k[2..4]).join(k)
    }

    fn put_blocking(root: &Path, path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
        if path.exists() {
            // Written afresh as far as the orphan sweep can tell: its new reference may not be
            // committed yet. Swept in the meantime, it is written again below.
            match File::options().write(true).open(path) {
                Ok(f) => {
                    f.set_modified(std::time::SystemTime::now())?;
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        let dir = path
            .parent()
            .ok_or_else(|| BlobError::Task("blob path has no parent".into()))?;
        fs::create_dir_all(dir)?;
        let tmp_path = root
            .join("tmp")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let result = (|| {
            let mut file = File::create(&tmp_path)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp_path, path)?;
            File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp_path);
        }
        Ok(result?)
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Task(e.to_string()))?
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, bytes: Vec<u8>) -> Result<BlobKey, BlobError> {
        let key = BlobKey::of(&bytes);
        let path = self.path_of(&key);
        let root = self.root.clone();
        blocking(move || LocalBlobStore::put_blocking(&root, &path, &bytes)).await?;
        Ok(key)
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path_of(key);
        let bytes = blocking(move || match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        })
        .await?;
        match bytes {
            Some(b) if BlobKey::of(&b) != *key => Err(BlobError::Corrupt(key.clone())),
            other => Ok(other),
        }
    }

    async fn exists(&self, key: &BlobKey) -> Result<bool, BlobError> {
        let path = self.path_of(key);
        blocking(move || Ok(path.is_file())).await
    }

    async fn older_than(&self, age: std::time::Duration) -> Result<Vec<BlobKey>, BlobError> {
        let root = self.root.clone();
        blocking(move || {
            let now = std::time::SystemTime::now();
            let mut out = Vec::new();
            // blobs/ab/cd/<key>: the two levels of folders, then the files.
            for a in fs::read_dir(&root)? {
                let a = a?.path();
                if !a.is_dir() || a.ends_with("tmp") {
                    continue;
                }
                for b in fs::read_dir(&a)? {
                    let b = b?.path();
                    if !b.is_dir() {
                        continue;
                    }
                    for f in fs::read_dir(&b)? {
                        let f = f?;
                        let old = f
                            .metadata()?
                            .modified()
                            .ok()
                            .and_then(|m| now.duration_since(m).ok())
                            .is_some_and(|d| d >= age);
                        if old && let Some(key) = f.file_name().to_str().and_then(BlobKey::parse) {
                            out.push(key);
                        }
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    async fn delete_if_older_than(
        &self,
        key: &BlobKey,
        age: std::time::Duration,
    ) -> Result<bool, BlobError> {
        let path = self.path_of(key);
        blocking(move || {
            let old = match fs::metadata(&path) {
                Ok(m) => m
                    .modified()
                    .ok()
                    .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
                    .is_some_and(|d| d >= age),
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(e.into()),
            };
            if !old {
                return Ok(false);
            }
            match fs::remove_file(&path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let path = self.path_of(key);
        blocking(move || match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path().join("blobs")).unwrap();
        let key = store.put(b"photo bytes".to_vec()).await.unwrap();
        assert_eq!(key, BlobKey::of(b"photo bytes"));
        assert!(store.exists(&key).await.unwrap());
        assert_eq!(store.get(&key).await.unwrap().unwrap(), b"photo bytes");
        // Same bytes, same key, one copy.
        assert_eq!(store.put(b"photo bytes".to_vec()).await.unwrap(), key);
        store.delete(&key).await.unwrap();
        assert!(!store.exists(&key).await.unwrap());
        assert_eq!(store.get(&key).await.unwrap(), None);
    }

    #[tokio::test]
    async fn files_are_listed_once_old_enough() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path().join("blobs")).unwrap();
        let key = store.put(b"an orphan".to_vec()).await.unwrap();
        let day = std::time::Duration::from_secs(86_400);
        assert!(store.older_than(day).await.unwrap().is_empty());
        let all = store.older_than(std::time::Duration::ZERO).await.unwrap();
        assert_eq!(all, vec![key.clone()]);
        assert!(!store.delete_if_older_than(&key, day).await.unwrap());
        assert!(
            store
                .delete_if_older_than(&key, std::time::Duration::ZERO)
                .await
                .unwrap()
        );
        assert!(!store.exists(&key).await.unwrap());
        // Nothing is left in the temporary folder.
        assert_eq!(
            fs::read_dir(dir.path().join("blobs/tmp")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn altered_files_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let key = store.put(b"signature".to_vec()).await.unwrap();
        fs::write(store.path_of(&key), b"forged").unwrap();
        assert!(matches!(store.get(&key).await, Err(BlobError::Corrupt(_))));
    }

    #[tokio::test]
    async fn leftovers_of_a_crash_are_swept_at_open() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("tmp")).unwrap();
        fs::write(dir.path().join("tmp/half-written"), b"par").unwrap();
        LocalBlobStore::open(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }
}
