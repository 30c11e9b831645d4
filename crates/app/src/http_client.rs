//! A small HTTP(S) client for calls to other servers (the audit witness): rustls on the ring
//! provider with the system's trusted roots, HTTP/1.1, a time limit on every call and a cap on
//! the answer's size.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::Duration;

/// No call waits longer than this.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Answers larger than this are refused.
const MAX_ANSWER: usize = 64 * 1024;

#[derive(Clone)]
pub struct HttpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpClient")
    }
}

/// A status and the answer's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl HttpClient {
    pub fn new() -> Result<HttpClient, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = match hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider.clone())
        {
            Ok(builder) => builder,
            Err(e) => {
                // Without trusted roots, plain http:// still works and https:// fails at the
                // handshake with a message naming the certificate.
                tracing::warn!(error = %e, "no trusted root certificates found on this system");
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
            }
        };
        let connector = builder.https_or_http().enable_http1().build();
        Ok(HttpClient {
            inner: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    pub async fn get(&self, url: &str) -> Result<Answer, String> {
        self.send(http::Method::GET, url, None).await
    }

    /// POSTs `body` as `text/plain`.
    pub async fn post_text(&self, url: &str, body: String) -> Result<Answer, String> {
        self.send(http::Method::POST, url, Some(body)).await
    }

    async fn send(
        &self,
        method: http::Method,
        url: &str,
        body: Option<String>,
    ) -> Result<Answer, String> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(url)
            .header(http::header::USER_AGENT, "emss");
        if body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| format!("{url}：地址无效（{e}）"))?;
        let call = async {
            let response = self
                .inner
                .request(request)
                .await
                .map_err(|e| format!("{url}：无法连接（{e}）"))?;
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|e| format!("{url}：回答无法读取（{e}）"))?
                .to_bytes();
            Ok(Answer {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        };
        tokio::time::timeout(TIMEOUT, call)
            .await
            .map_err(|_| format!("{url}：{} 秒内没有回答", TIMEOUT.as_secs()))?
    }
}
