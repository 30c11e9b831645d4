//! The client's address, as the login throttle and the audit log see it: the socket's peer, or —
//! only when the peer is a configured trusted reverse proxy — the address the proxies say they
//! forwarded for, read from the one header the proxies are configured to write
//! (`X-Forwarded-For`, or `Forwarded: for=` of RFC 7239) from the right, skipping the trusted
//! proxies, so a client cannot name itself by sending a header: whatever it wrote sits left of
//! the entry its proxy appended, and the other header is never read.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The header trusted proxies append the client's address to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx `$proxy_add_x_forwarded_for`).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(name: &str) -> Result<ForwardedHeader, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            other => Err(format!(
                "trusted_proxy_header 应为 x-forwarded-for 或 forwarded，而不是 {other:?}"
            )),
        }
    }
}

/// The reverse proxies whose forwarding header is believed, and which header that is.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// Addresses (`10.0.0.5`) or networks (`10.0.0.0/8`, `fd00::/8`), and the header they write.
    pub fn parse(list: &[String], header: ForwardedHeader) -> Result<TrustedProxies, String> {
        let networks = list
            .iter()
            .map(|item| {
                let item = item.trim();
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("trusted_proxies 中的地址无效：{item}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(TrustedProxies { networks, header })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.networks.iter().any(|net| net.contains(&ip))
    }
}

/// IPv4 addresses reach a dual-stack socket as `::ffff:a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address for a request from `peer` carrying `headers`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let hops = forwarded_for(headers, trusted.header);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = canonical(*ip);
                if !trusted.contains(client) {
                    break;
                }
            }
            // `unknown` or an obfuscated name: nothing further left can be believed.
            None => break,
        }
    }
    client
}

/// The addresses in `header`, first hop first; `None` for a hop that is not an address. Values are
/// split as bytes, so a hop a client filled with other bytes spoils only that hop, not those the
/// proxies appended after it.
fn forwarded_for(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let name = match header {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    let hops = headers
        .get_all(name)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|hop| std::str::from_utf8(hop).map(str::trim).unwrap_or("?"))
        .filter(|hop| !hop.is_empty());
    match header {
        ForwardedHeader::XForwardedFor => hops.map(address).collect(),
        ForwardedHeader::Forwarded => hops
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| address(v.trim().trim_matches('"')))
                })?
            })
            .collect(),
    }
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    text.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_is_believed() {
        let list = ["10.0.0.0/8".to_string(), "192.0.2.7".to_string()];
        let trusted = TrustedProxies::parse(&list, ForwardedHeader::XForwardedFor).unwrap();
        let forged = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // Straight from a client: the header is its own claim and is ignored.
        assert_eq!(
            client_ip(ip("198.51.100.4"), &forged, &trusted),
            ip("198.51.100.4")
        );
        // Through the proxy: the address it forwarded for.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &forged, &trusted),
            ip("203.0.113.9")
        );
        // A client's own forged entry sits left of what the proxy appended.
        let chained = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.9.9.9")]);
        assert_eq!(
            client_ip(ip("192.0.2.7"), &chained, &trusted),
            ip("203.0.113.9")
        );
        // Bytes that are not text in the client's part spoil only that part.
        let mut raw = HeaderMap::new();
        raw.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").unwrap(),
        );
        assert_eq!(client_ip(ip("10.1.2.3"), &raw, &trusted), ip("203.0.113.9"));
        // The header the proxy does not write is never read: a client's own `Forwarded` passed
        // through untouched names nobody.
        let both = headers(&[
            ("forwarded", "for=1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &both, &trusted),
            ip("203.0.113.9")
        );
        // IPv4 through a dual-stack socket.
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.1"), &forged, &trusted),
            ip("203.0.113.9")
        );
        // Nothing trusted: nothing believed.
        let none = TrustedProxies::default();
        assert_eq!(client_ip(ip("10.1.2.3"), &forged, &none), ip("10.1.2.3"));
        assert!(
            TrustedProxies::parse(&["proxy.internal".into()], ForwardedHeader::Forwarded).is_err()
        );
        assert!(ForwardedHeader::parse("x-real-ip").is_err());
    }

    #[test]
    fn rfc_7239_when_the_proxies_write_it() {
        let trusted =
            TrustedProxies::parse(&["10.0.0.0/8".to_string()], ForwardedHeader::Forwarded).unwrap();
        let rfc = headers(&[
            (
                "forwarded",
                r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https"#,
            ),
            ("x-forwarded-for", "5.6.7.8"),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &rfc, &trusted),
            ip("2001:db8:cafe::17")
        );
        // An unknown hop ends what can be believed.
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &unknown, &trusted),
            ip("10.0.0.1")
        );
    }
}
