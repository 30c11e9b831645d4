//! The national algorithms (商用密码): SM3 hashing and HMAC, SM4-GCM encryption, SM2 signatures.
//! Keys are used through the `Signer` and `Sealer` traits, so that a certified cryptographic module
//! can hold them instead of this software implementation (CRYPTO-04).

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm3::{Digest, Sm3};

/// The distinguishing identifier SM2 signatures of EMSS use (GM/T 0009 default).
pub const SM2_DISTID: &str = "1234567812345678";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("密钥无效")]
    BadKey,
    #[error("密文或认证标签无效")]
    BadCiphertext,
    #[error("签名无效")]
    BadSignature,
    #[error("随机数源不可用")]
    Random,
}

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// SM3 of several parts, as if concatenated.
pub fn sm3_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sm3::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HMAC-SM3 of `data` under `key`.
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sm3> as hmac::KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Fills `buf` from the operating system's random source.
pub fn random(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(|_| CryptoError::Random)
}

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// SM4-GCM (RFC 8998) with a 128-bit key: `nonce ‖ ciphertext ‖ tag` out, authenticated with `aad`.
pub fn sm4_gcm_seal(key: &[u8; 16], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; 12];
    random(&mut nonce)?;
    let mut out = nonce.to_vec();
    out.extend(sm4_gcm_encrypt(key, &nonce, aad, plaintext)?);
    Ok(out)
}

/// Opens what `sm4_gcm_seal` made; fails when anything (key, aad, bytes) differs.
pub fn sm4_gcm_open(key: &[u8; 16], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (nonce, body) = sealed
        .split_at_checked(12)
        .ok_or(CryptoError::BadCiphertext)?;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::BadCiphertext)?;
    sm4_gcm_decrypt(key, &nonce, aad, body)
}

fn sm4_gcm_encrypt(
    key: &[u8; 16],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| CryptoError::BadKey)?;
    cipher
        .encrypt(
            &(*nonce).into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::BadCiphertext)
}

fn sm4_gcm_decrypt(
    key: &[u8; 16],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| CryptoError::BadKey)?;
    cipher
        .decrypt(
            &(*nonce).into(),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| CryptoError::BadCiphertext)
}

/// Something that signs with SM2 and never shows its private key.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The SEC1 (uncompressed) public key.
    fn public_key(&self) -> Vec<u8>;
    /// A 64-byte `r ‖ s` signature of `message`.
    fn sign(&self, message: &[u8]) -> Result<[u8; 64], CryptoError>;
}

/// An SM2 key held in memory (the software implementation of `Signer`).
pub struct SoftwareSigner {
    key: SigningKey,
}

impl std::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareSigner(..)")
    }
}

impl SoftwareSigner {
    /// From the 32-byte private scalar.
    pub fn from_bytes(secret: &[u8]) -> Result<SoftwareSigner, CryptoError> {
        Ok(SoftwareSigner {
            key: SigningKey::from_slice(SM2_DISTID, secret).map_err(|_| CryptoError::BadKey)?,
        })
    }

    /// A new random key, and its 32 private bytes to store in the key file.
    pub fn generate() -> Result<(SoftwareSigner, [u8; 32]), CryptoError> {
        for _ in 0..16 {
            let mut secret = [0u8; 32];
            random(&mut secret)?;
            if let Ok(signer) = SoftwareSigner::from_bytes(&secret) {
                return Ok((signer, secret));
            }
        }
        Err(CryptoError::BadKey)
    }
}

impl Signer for SoftwareSigner {
    fn public_key(&self) -> Vec<u8> {
        self.key.verifying_key().to_sec1_bytes().to_vec()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], CryptoError> {
        let sig: Signature = self
            .key
            .try_sign(message)
            .map_err(|_| CryptoError::BadSignature)?;
        let bytes = sig.to_bytes();
        let mut out = [0u8; 64];
        out.copy_from_slice(bytes.as_slice());
        Ok(out)
    }
}

/// Whether `public_key` is an SM2 public key (SEC1 bytes of a point on the curve).
pub fn sm2_public_key_is_valid(public_key: &[u8]) -> bool {
    VerifyingKey::from_sec1_bytes(SM2_DISTID, public_key).is_ok()
}

/// Checks an SM2 signature made by `public_key` (SEC1 bytes).
pub fn sm2_verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(SM2_DISTID, public_key) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn sm3_known_answer() {
        // GB/T 32905-2016 example 1.
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        // Example 2: "abcd" repeated 16 times.
        assert_eq!(
            hex::encode(sm3(&b"abcd".repeat(16))),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
        assert_eq!(sm3_parts(&[b"a", b"bc"]), sm3(b"abc"));
    }

    #[test]
    fn sm4_known_answer() {
        // GB/T 32907-2016 example 1, through one GCM-free block encryption.
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        let key = unhex("0123456789abcdeffedcba9876543210");
        let cipher = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::Array::try_from(key.as_slice()).unwrap();
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn sm4_gcm_rfc8998_a1() {
        let key: [u8; 16] = unhex("0123456789ABCDEFFEDCBA9876543210")
            .try_into()
            .unwrap();
        let nonce: [u8; 12] = unhex("00001234567800000000ABCD").try_into().unwrap();
        let aad = unhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        let pt = unhex(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
             EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        );
        let out = sm4_gcm_encrypt(&key, &nonce, &aad, &pt).unwrap();
        let (ct, tag) = out.split_at(out.len() - 16);
        assert_eq!(
            hex::encode_upper(ct),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
             D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        );
        assert_eq!(hex::encode_upper(tag), "83DE3541E4C2B58177E065A9BF7B62EC");
        assert_eq!(sm4_gcm_decrypt(&key, &nonce, &aad, &out).unwrap(), pt);
    }

    #[test]
    fn sealed_data_is_bound_to_key_and_context() {
        let key = [7u8; 16];
        let sealed = sm4_gcm_seal(&key, b"account/phone/abc", b"13812345678").unwrap();
        assert_eq!(
            sm4_gcm_open(&key, b"account/phone/abc", &sealed).unwrap(),
            b"13812345678"
        );
        assert!(
            sm4_gcm_open(&key, b"account/phone/xyz", &sealed).is_err(),
            "another row"
        );
        assert!(sm4_gcm_open(&[8u8; 16], b"account/phone/abc", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[14] ^= 1;
        assert!(sm4_gcm_open(&key, b"account/phone/abc", &tampered).is_err());
        assert_ne!(
            sealed,
            sm4_gcm_seal(&key, b"account/phone/abc", b"13812345678").unwrap()
        );
    }

    #[test]
    fn sm2_signs_and_verifies() {
        let (signer, secret) = SoftwareSigner::generate().unwrap();
        let sig = signer.sign(b"checkpoint").unwrap();
        let public = signer.public_key();
        assert!(sm2_verify(&public, b"checkpoint", &sig));
        assert!(!sm2_verify(&public, b"checkpoinT", &sig));
        let again = SoftwareSigner::from_bytes(&secret).unwrap();
        assert_eq!(again.public_key(), public);
        let (other, _) = SoftwareSigner::generate().unwrap();
        assert!(!sm2_verify(&other.public_key(), b"checkpoint", &sig));
    }

    #[test]
    fn hmac_differs_by_key() {
        assert_ne!(hmac_sm3(b"k1", b"x"), hmac_sm3(b"k2", b"x"));
        assert_eq!(hmac_sm3(b"k1", b"x"), hmac_sm3(b"k1", b"x"));
    }
}
