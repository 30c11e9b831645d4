//! The load driver: a fixed number of concurrent clients over loopback, each taking the next
//! request until the scenario's count or duration runs out; latencies of every answer, errors,
//! and the server's resident memory sampled while it runs.

use crate::server::rss_mb;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// What one scenario measured.
#[derive(Debug, Clone)]
pub struct Measured {
    pub name: String,
    pub target: String,
    /// Which floor it compares with (`json` or `commit`), if any.
    pub floor: Option<&'static str>,
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    /// Sorted.
    pub latencies: Vec<Duration>,
    pub peak_rss_mb: f64,
    pub first_error: Option<String>,
}

impl Measured {
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[i - 1]
    }
}

/// One request's result: Ok, or the error to report.
pub type Answer = Result<(), String>;

pub struct Plan {
    pub name: String,
    pub target: String,
    pub floor: Option<&'static str>,
    pub clients: usize,
    pub count: usize,
    pub max: Duration,
}

/// Runs `request(i)` for i in 0..count on `clients` concurrent clients, stopping early at `max`.
pub async fn drive<F, Fut>(plan: Plan, pid: u32, request: F) -> Measured
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Answer> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let results = Arc::new(Mutex::new((Vec::new(), 0usize, None::<String>)));
    let peak = Arc::new(Mutex::new(0f64));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let (now, _) = rss_mb(pid);
                let mut p = peak.lock().await;
                *p = p.max(now);
                drop(p);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..plan.clients.max(1) {
        let (next, results, request) = (next.clone(), results.clone(), request.clone());
        let (count, max) = (plan.count, plan.max);
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let (mut errors, mut first) = (0usize, None);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || started.elapsed() > max {
                    break;
                }
                let t = Instant::now();
                match request(i).await {
                    Ok(()) => mine.push(t.elapsed()),
                    Err(e) => {
                        errors += 1;
                        first.get_or_insert(e);
                    }
                }
            }
            let mut r = results.lock().await;
            r.0.extend(mine);
            r.1 += errors;
            if r.2.is_none() {
                r.2 = first;
            }
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let (mut latencies, errors, first_error) = std::mem::take(&mut *results.lock().await);
    latencies.sort();
    let peak_rss_mb = *peak.lock().await;
    Measured {
        name: plan.name,
        target: plan.target,
        floor: plan.floor,
        requests: latencies.len() + errors,
        errors,
        elapsed,
        latencies,
        peak_rss_mb,
        first_error,
    }
}

/// A signed-in HTTP client of the benchmark.
#[derive(Clone)]
pub struct Http {
    pub client: Client,
    pub base: String,
}

impl Http {
    pub fn new(base: &str) -> Http {
        Http {
            client: Client::builder()
                .pool_max_idle_per_host(256)
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap_or_default(),
            base: base.to_string(),
        }
    }

    pub fn request(&self, method: Method, token: Option<&str>, path: &str) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{}", self.base, path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    /// Sends and answers the JSON body when the status is `expect`.
    pub async fn send(&self, builder: RequestBuilder, expect: StatusCode) -> Result<Value, String> {
        let res = builder.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body = res.bytes().await.map_err(|e| e.to_string())?;
        if status != expect {
            return Err(format!(
                "{status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
        }
        Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<String, String> {
        let body = serde_json::json!({"username": username, "password": password});
        let answer = self
            .send(
                self.request(Method::POST, None, "/api/v1/auth/login")
                    .json(&body),
                StatusCode::OK,
            )
            .await
            .map_err(|e| format!("login {username}: {e}"))?;
        answer["token"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("login {username}: no token"))
    }
}
