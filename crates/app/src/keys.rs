//! Data keys for personal information: SM4 keys that encrypt (newest first in use, older ones kept
//! to read what they encrypted) and the HMAC-SM3 key of the blind indexes. They live in key files
//! in the keys folder, never in the database; `emss keys rotate` adds a key and re-encrypts.

use crate::AppError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use emss_domain::crypto;
use std::path::{Path, PathBuf};

const DATA_KEYS: &str = "data-sm4.keys";
const INDEX_KEY: &str = "index-hmac-sm3.key";

#[derive(Clone)]
pub struct DataKeys {
    dir: PathBuf,
    /// (key id, key), oldest first; the last one encrypts.
    keys: Vec<(String, [u8; 16])>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeys")
            .field("dir", &self.dir)
            .field(
                "key_ids",
                &self.keys.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}：{e}", path.display())
}

impl DataKeys {
    /// Reads the key files, creating them on first start.
    pub fn load_or_create(dir: &Path) -> Result<DataKeys, String> {
        std::fs::create_dir_all(dir).map_err(|e| read_err(dir, e))?;
        let data_path = dir.join(DATA_KEYS);
        if !data_path.is_file() {
            append_new_key(&data_path)?;
        }
        let index_path = dir.join(INDEX_KEY);
        if !index_path.is_file() {
            let mut key = [0u8; 32];
            crypto::random(&mut key).map_err(|e| e.to_string())?;
            crate::audit::write_private(&index_path, &hex::encode(key))
                .map_err(|e| read_err(&index_path, e))?;
        }
        let text = std::fs::read_to_string(&data_path).map_err(|e| read_err(&data_path, e))?;
        let mut keys = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (id, hex_key) = line
                .split_once(' ')
                .ok_or_else(|| read_err(&data_path, "每行应为“编号 十六进制密钥”"))?;
            let bytes: [u8; 16] = hex::decode(hex_key.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| read_err(&data_path, format!("密钥 {id} 不是 128 位十六进制")))?;
            keys.push((id.to_string(), bytes));
        }
        if keys.is_empty() {
            return Err(read_err(&data_path, "没有密钥"));
        }
        let index_text =
            std::fs::read_to_string(&index_path).map_err(|e| read_err(&index_path, e))?;
        let index_key: [u8; 32] = hex::decode(index_text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| read_err(&index_path, "不是 256 位十六进制密钥"))?;
        Ok(DataKeys {
            dir: dir.to_path_buf(),
            keys,
            index_key,
        })
    }

    /// Adds a new data key (which encrypts from now on) and returns its id.
    pub fn rotate(&mut self) -> Result<String, String> {
        let id = append_new_key(&self.dir.join(DATA_KEYS))?;
        *self = DataKeys::load_or_create(&self.dir)?;
        Ok(id)
    }

    pub fn current_id(&self) -> &str {
        self.keys.last().map(|(id, _)| id.as_str()).unwrap_or("")
    }

    /// Encrypts `plaintext` bound to `context` (table/column/row); returns (base64, key id).
    pub fn seal(&self, context: &str, plaintext: &str) -> Result<(String, String), AppError> {
        let (id, key) = self
            .keys
            .last()
            .ok_or_else(|| AppError::internal("no data key"))?;
        let sealed = crypto::sm4_gcm_seal(key, context.as_bytes(), plaintext.as_bytes())
            .map_err(AppError::internal)?;
        Ok((B64.encode(sealed), id.clone()))
    }

    /// Decrypts what `seal` made; `None` when the key id is unknown to this copy of the keys.
    pub fn open(
        &self,
        context: &str,
        key_id: &str,
        sealed: &str,
    ) -> Option<Result<String, AppError>> {
        let (_, key) = self.keys.iter().find(|(id, _)| id == key_id)?;
        Some((|| {
            let bytes = B64.decode(sealed).map_err(AppError::internal)?;
            let plain = crypto::sm4_gcm_open(key, context.as_bytes(), &bytes)
                .map_err(AppError::internal)?;
            String::from_utf8(plain).map_err(AppError::internal)
        })())
    }

    /// The blind index of a value of `kind` (keyed SM3), for look-ups and uniqueness.
    pub fn index(&self, kind: &str, value: &str) -> String {
        let mut data = kind.as_bytes().to_vec();
        data.push(0);
        data.extend_from_slice(value.as_bytes());
        hex::encode(crypto::hmac_sm3(&self.index_key, &data))
    }

    pub fn reload(&mut self) -> Result<(), String> {
        *self = DataKeys::load_or_create(&self.dir)?;
        Ok(())
    }
}

fn append_new_key(path: &Path) -> Result<String, String> {
    use std::io::Write;
    let mut key = [0u8; 16];
    crypto::random(&mut key).map_err(|e| e.to_string())?;
    let mut id_bytes = [0u8; 4];
    crypto::random(&mut id_bytes).map_err(|e| e.to_string())?;
    let id = format!("k{}", hex::encode(id_bytes));
    let line = format!("{id} {}\n", hex::encode(key));
    if path.is_file() {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| read_err(path, e))?;
        f.write_all(line.as_bytes())
            .map_err(|e| read_err(path, e))?;
        f.sync_all().map_err(|e| read_err(path, e))?;
    } else {
        crate::audit::write_private(path, &line).map_err(|e| read_err(path, e))?;
    }
    Ok(id)
}
