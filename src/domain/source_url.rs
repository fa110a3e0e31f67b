//! How a server's URL is spelled as a source: one spelling for one server (the scheme and
//! host's case, a default port, a trailing slash, the loopback's names, a user and password
//! are spelling), so that one server's resources are kept under one source. Below the
//! importer and the store: the store's migrations rewrite sources kept by older versions.

/// The server base of an absolute reference or bundle URL (`https://ehr.example/fhir` of
/// `https://ehr.example/fhir/Patient/12`), which names the source of its resources.
pub fn server_base(url: &str) -> Option<&str> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let unversioned = url
        .split_once("/_history/")
        .map_or(url, |(resource, _)| resource);
    let without_id = unversioned.trim_end_matches('/').rsplit_once('/')?.0;
    let base = without_id.rsplit_once('/')?.0;
    (base.len() > "https://".len()).then_some(base)
}

/// A server's address as one server answers to it: `http` or `https`, the host in any case,
/// its default port written or not (one bundle can name one server each way).
pub fn same_server(base: &str) -> String {
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .unwrap_or(base);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    // A password in a bundle's URL says nothing about which server it is.
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = host_and_port(authority);
    let host = loopback_as_localhost(&host.to_ascii_lowercase());
    let port = port.filter(|port| !matches!(*port, "443" | "80" | ""));
    match port {
        Some(port) => format!("{host}:{port}/{}", path.trim_end_matches('/')),
        None => format!("{host}/{}", path.trim_end_matches('/')),
    }
}

/// An authority's host and port (`[::1]:9443` is `[::1]` and `9443`).
fn host_and_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[')
        && let Some(end) = authority.find(']')
    {
        let (host, rest) = authority.split_at(end + 1);
        return (host, rest.strip_prefix(':'));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

/// The loopback written as `localhost`, whichever way it is spelled: `127.0.0.1` (and the
/// shorthands a URL parser reads as it, `127.1`, `0x7f.0.0.1`, `2130706433`), `[::1]`,
/// `[::ffff:127.0.0.1]`, `localhost.`. They reach one server on this machine, so they are one
/// source. `localhost` is the spelling kept because it is the loopback's name in either IP
/// version (RFC 6761 §6.3), where `127.0.0.1` and `[::1]` each name one of them. Other
/// addresses of 127.0.0.0/8 are left as they are: a second server may listen on 127.0.0.2.
/// `host` is in lower case.
fn loopback_as_localhost(host: &str) -> String {
    let is_loopback = match host {
        "localhost" | "localhost." => true,
        _ => match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok_and(|address| {
                address.is_loopback()
                    || address.to_ipv4_mapped() == Some(std::net::Ipv4Addr::LOCALHOST)
            }),
            None => url_ipv4(host) == Some(std::net::Ipv4Addr::LOCALHOST),
        },
    };
    if is_loopback {
        String::from("localhost")
    } else {
        host.to_owned()
    }
}

/// An IPv4 host as a URL parser reads it (WHATWG URL, *IPv4 parser*): one to four parts, each
/// decimal, `0x` hexadecimal or `0` octal, the last filling the bytes left. `None` for a name.
fn url_ipv4(host: &str) -> Option<std::net::Ipv4Addr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let number = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X"))
        {
            if hex.is_empty() {
                0
            } else {
                u64::from_str_radix(hex, 16).ok()?
            }
        } else if part.len() > 1 && part.starts_with('0') {
            u64::from_str_radix(&part[1..], 8).ok()?
        } else {
            part.parse::<u64>().ok()?
        };
        numbers.push(number);
    }
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|n| *n > 255) {
        return None;
    }
    let remaining_bits = 8 * (4 - u32::try_from(leading.len()).ok()?);
    if *last >= 1_u64 << remaining_bits {
        return None;
    }
    let mut address: u64 = 0;
    for (index, number) in leading.iter().enumerate() {
        address |= number << (24 - 8 * u32::try_from(index).ok()?);
    }
    address |= last;
    Some(std::net::Ipv4Addr::from(u32::try_from(address).ok()?))
}

/// A source as refract keeps it: a server's URL (`http`/`https`) in one spelling, the scheme
/// and host in lower case, without a user and password, the scheme's default port and the
/// path's trailing slash left out; any other
/// name (`lab-a`) as given, trimmed. The path keeps its case: servers may tell paths apart by it.
pub fn canonical_source(given: &str) -> String {
    let given = given.trim();
    let Some((scheme, rest)) = given.split_once("://") else {
        return given.to_owned();
    };
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return given.to_owned(),
    };
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    // A user and password (`user:pass@`) are never kept: the name is stored in the ledger, the
    // patient-id systems and the audit log, and a server is the same whoever signs in to it.
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = host_and_port(authority);
    let host = loopback_as_localhost(&host.to_ascii_lowercase());
    // An empty port (`host:`) is the default one too (RFC 3986 §6.2.3).
    let host = match port.filter(|port| !port.is_empty() && *port != default_port) {
        Some(port) => format!("{host}:{port}"),
        None => host,
    };
    // Only the path's trailing slash is spelling; one in a query or fragment is its value's.
    let (path, query) = path.split_at(path.find(['?', '#']).unwrap_or(path.len()));
    format!("{scheme}://{host}{}{query}", path.trim_end_matches('/'))
}

/// Whether a URL names a user (`https://user:pass@host/…`).
pub fn has_userinfo(url: &str) -> bool {
    url.split_once("://").is_some_and(|(_, rest)| {
        rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())].contains('@')
    })
}

/// The server a source names, whatever its scheme: `http` and `https` of one host, port and
/// path are one server (README, *Sources*). `None` for a source that is no URL.
pub fn server_identity(source: &str) -> Option<String> {
    let canonical = canonical_source(source);
    canonical
        .strip_prefix("http://")
        .or_else(|| canonical.strip_prefix("https://"))
        .map(str::to_owned)
}

/// A URL without its user and password (`https://user:pass@host/fhir` is
/// `https://host/fhir`), otherwise as written.
pub fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_the_loopback_is_localhost() {
        for given in [
            "http://127.0.0.1:9443/fhir",
            "http://LOCALHOST:9443/fhir/",
            "http://localhost.:9443/fhir",
            "http://[::1]:9443/fhir",
            "http://[0:0:0:0:0:0:0:1]:9443/fhir",
            "http://[::ffff:127.0.0.1]:9443/fhir",
            "http://127.1:9443/fhir",
            "http://0x7f.0.0.1:9443/fhir",
            "http://2130706433:9443/fhir",
            "http://0177.0.0.1:9443/fhir",
            "http://user:pw@127.0.0.1:9443/fhir",
        ] {
            assert_eq!(
                canonical_source(given),
                "http://localhost:9443/fhir",
                "{given}"
            );
        }
        for other in [
            "http://127.0.0.2:9443/fhir",
            "http://localhost:9444/fhir",
            "http://[::2]:9443/fhir",
            "http://127.0.0.1.example:9443/fhir",
        ] {
            assert_ne!(
                canonical_source(other),
                "http://localhost:9443/fhir",
                "{other}"
            );
        }
        assert_eq!(
            canonical_source("https://[::1]/fhir"),
            "https://localhost/fhir"
        );
        assert_eq!(
            canonical_source("http://[::1]:80/fhir"),
            "http://localhost/fhir"
        );
        assert_eq!(
            same_server("http://[::1]:9443/fhir/"),
            same_server("https://LocalHost:9443/fhir")
        );
        assert_eq!(
            same_server("https://user:pw@ehr.example:443/fhir"),
            "ehr.example/fhir"
        );
    }

    #[test]
    fn a_user_and_password_alone_are_taken_out() {
        assert_eq!(
            without_userinfo("https://u:p@Host.Example/fhir?x=a@b"),
            "https://Host.Example/fhir?x=a@b"
        );
        assert_eq!(without_userinfo("lab-a"), "lab-a");
        assert!(has_userinfo("https://u:p@h/fhir"));
        assert!(!has_userinfo("https://h/fhir?x=a@b"));
    }
}
