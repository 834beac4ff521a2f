//! Adds the usual security headers to every response and hides what the origin runs.
//!
//! Arguments: extra headers as `Name: value`, added (or replacing the default of that name).

use tswasm_guest_sdk::{env, register, Action, Fields, Hook, Plugin, Txn};

const DEFAULTS: &[(&str, &str)] = &[
    (
        "Strict-Transport-Security",
        "max-age=31536000; includeSubDomains",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
];

/// Headers that tell attackers which software and versions to target.
const HIDDEN: &[&str] = &["Server", "X-Powered-By", "X-AspNet-Version"];

pub struct SecurityHeaders {
    headers: Vec<(String, String)>,
}

impl Plugin for SecurityHeaders {
    type TxnState = ();
    const HOOKS: &'static [Hook] = &[Hook::SendResponse];

    fn new() -> Result<Self, String> {
        let mut headers: Vec<(String, String)> = DEFAULTS
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        for arg in env::args() {
            let (name, value) = arg
                .split_once(':')
                .ok_or_else(|| format!("argument `{arg}`: expected `Name: value`"))?;
            let (name, value) = (name.trim(), value.trim());
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name.to_string(), value.to_string()));
        }
        Ok(SecurityHeaders { headers })
    }

    fn on_send_response(&mut self, txn: &mut Txn) -> Action {
        let response = txn.client_response();
        for (name, value) in &self.headers {
            if let Err(e) = response.set_header(name, value) {
                env::warning(&format!("cannot set {name}: {e}"));
            }
        }
        for name in HIDDEN {
            let _ = response.remove_header(name);
        }
        Action::Continue
    }
}

register!(SecurityHeaders);
