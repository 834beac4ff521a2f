//! Answers 403 Forbidden, without contacting the origin, to requests a rule denies.
//!
//! Arguments, each a rule:
//! - `deny-path=/admin`: paths under this prefix are only for allowed clients;
//! - `allow-ip=10.0.0.0/8`: clients in this network may use denied paths (IPv4 or IPv6 CIDR);
//! - `deny-method=TRACE`: this method is refused to everyone.

use std::net::IpAddr;

use tswasm_guest_sdk::env::Stat;
use tswasm_guest_sdk::{env, register, Action, Hook, Peer, Plugin, StatKind, Txn, TxnHandle};

pub struct AccessControl {
    denied_paths: Vec<String>,
    allowed: Vec<(IpAddr, u8)>,
    denied_methods: Vec<String>,
    denials: Option<Stat>,
}

impl Plugin for AccessControl {
    type TxnState = ();
    const HOOKS: &'static [Hook] = &[Hook::ReadRequest];

    fn new() -> Result<Self, String> {
        let mut plugin = AccessControl {
            denied_paths: Vec::new(),
            allowed: Vec::new(),
            denied_methods: Vec::new(),
            denials: Stat::create("access_control.denied", StatKind::Counter).ok(),
        };
        for arg in env::args() {
            match arg.split_once('=') {
                Some(("deny-path", prefix)) if prefix.starts_with('/') => plugin.denied_paths.push(prefix.to_string()),
                Some(("allow-ip", cidr)) => plugin.allowed.push(parse_cidr(cidr)?),
                Some(("deny-method", method)) => plugin.denied_methods.push(method.to_ascii_uppercase()),
                _ => {
                    return Err(format!(
                        "argument `{arg}`: expected deny-path=/PREFIX, allow-ip=CIDR or deny-method=METHOD"
                    ))
                }
            }
        }
        Ok(plugin)
    }

    fn on_read_request(&mut self, txn: &mut Txn) -> Action {
        let request = txn.client_request();
        let method = request.method().unwrap_or_default();
        let path = format!("/{}", request.path().unwrap_or_default());
        let reason = if self.denied_methods.contains(&method) {
            Some(format!("method {method}"))
        } else if self.denied_paths.iter().any(|p| under(&path, p)) && !self.client_allowed(txn) {
            Some(format!("path {path}"))
        } else {
            None
        };
        if let Some(reason) = reason {
            env::note(&format!(
                "denied {reason} to {}",
                txn.peer(Peer::Client)
                    .map_or("?".into(), |a| a.ip().to_string())
            ));
            if let Some(stat) = self.denials {
                let _ = stat.increment(1);
            }
            let _ = txn.respond(403, b"Forbidden\n");
            let _ = txn.respond_header("Content-Type", "text/plain");
        }
        Action::Continue
    }
}

impl AccessControl {
    fn client_allowed(&self, txn: &TxnHandle) -> bool {
        let Ok(ip) = txn.peer(Peer::Client).map(|a| a.ip()) else {
            return false;
        };
        self.allowed
            .iter()
            .any(|(net, bits)| in_network(ip, *net, *bits))
    }
}

/// `/admin` covers `/admin` and `/admin/...`, not `/administrator`.
fn under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path == prefix || path.starts_with(prefix) && path[prefix.len()..].starts_with('/')
}

fn parse_cidr(text: &str) -> Result<(IpAddr, u8), String> {
    let (addr, bits) = text.split_once('/').unwrap_or((text, ""));
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("allow-ip=`{text}`: not an IP address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = if bits.is_empty() {
        max
    } else {
        bits.parse()
            .map_err(|_| format!("allow-ip=`{text}`: bad prefix length"))?
    };
    if bits > max {
        return Err(format!("allow-ip=`{text}`: prefix length over {max}"));
    }
    Ok((addr, bits))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let shift = width - bits as u32;
    shift >= 128 || (ip >> shift) == (net >> shift)
}

register!(AccessControl);
