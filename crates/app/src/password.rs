//! Password hashing: argon2id with the OWASP ASVS parameters (AUTH-03: m = 19 MiB, t = 2, p = 1),
//! run on a small pool of threads of its own, so a login never stalls other requests and the
//! 19 MiB working memory is reused by a few threads instead of being kept by every thread of the
//! blocking pool.

use crate::AppError;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads: one per core, at most four.
fn pool() -> Option<&'static Mutex<Sender<Job>>> {
    static POOL: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4);
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("emss-argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if spawned.is_err() {
                return None;
            }
        }
        Some(Mutex::new(tx))
    })
    .as_ref()
}

/// Runs `f` on a hashing thread and waits for it without blocking the async runtime.
async fn on_pool<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    let sender = pool()
        .ok_or_else(|| AppError::internal("password hashing threads unavailable"))?
        .lock()
        .map_err(|_| AppError::internal("password hashing pool poisoned"))?
        .clone();
    sender
        .send(job)
        .map_err(|_| AppError::internal("password hashing pool stopped"))?;
    rx.await.map_err(AppError::internal)
}

pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

fn hasher() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(AppError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` with a fresh random salt.
pub async fn hash(password: String) -> Result<String, AppError> {
    on_pool(move || hash_blocking(&password)).await?
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    Ok(hasher()?
        .hash_password(password.as_bytes())
        .map_err(AppError::internal)?
        .to_string())
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> Result<bool, AppError> {
    on_pool(move || verify_blocking(&password, &stored)).await
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let Ok(argon) = hasher() else {
        return false;
    };
    argon.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Spends the same work as checking a real password, for logins of unknown users, so that timing
/// does not tell which usernames exist (AUTH-04).
pub async fn verify_dummy(password: String) -> Result<(), AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = match DUMMY.get() {
        Some(h) => h.clone(),
        None => {
            let h = hash("dummy password for timing".into()).await?;
            DUMMY.get_or_init(|| h).clone()
        }
    };
    verify(password, stored).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_carry_the_parameters() {
        let h = hash("Correct-Horse-9".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("Correct-Horse-9".into(), h.clone()).await.unwrap());
        assert!(!verify("correct-horse-9".into(), h.clone()).await.unwrap());
        assert!(!verify("Correct-Horse-9 ".into(), h.clone()).await.unwrap());
        assert!(!verify("x".into(), "not a hash".into()).await.unwrap());
        let again = hash("Correct-Horse-9".into()).await.unwrap();
        assert_ne!(h, again, "every hash has its own salt");
    }
}
