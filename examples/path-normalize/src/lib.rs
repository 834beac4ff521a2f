//! Normalises request paths before anything else looks at them, so access rules and cache keys see one
//! spelling per resource: `//` collapses to `/`, `.` and `..` segments are resolved (never above the
//! root), percent-encoded unreserved characters are decoded (`%7E` -> `~`), and the remaining
//! percent-escapes get upper-case hex (`%2f` -> `%2F`; an encoded `/` stays encoded).
//!
//! Argument `redirect`: answer 301 to the normalised URL instead of rewriting in place.

use tswasm_guest_sdk::{env, register, Action, Hook, Plugin, Txn};

pub struct PathNormalize {
    redirect: bool,
}

impl Plugin for PathNormalize {
    type TxnState = ();
    const HOOKS: &'static [Hook] = &[Hook::ReadRequest];

    fn new() -> Result<Self, String> {
        let mut redirect = false;
        for arg in env::args() {
            match arg.as_str() {
                "redirect" => redirect = true,
                other => return Err(format!("unknown argument `{other}` (known: redirect)")),
            }
        }
        Ok(PathNormalize { redirect })
    }

    fn on_read_request(&mut self, txn: &mut Txn) -> Action {
        let request = txn.client_request();
        let Ok(path) = request.path() else {
            return Action::Continue;
        };
        let normal = normalize(&path);
        if normal == path {
            return Action::Continue;
        }
        if self.redirect {
            let query = request.query().unwrap_or_default();
            let location = if query.is_empty() {
                format!("/{normal}")
            } else {
                format!("/{normal}?{query}")
            };
            let _ = txn.respond(301, b"");
            let _ = txn.respond_header("Location", &location);
        } else if let Err(e) = request.set_path(&normal) {
            env::warning(&format!("cannot rewrite path `{path}`: {e}"));
        }
        Action::Continue
    }
}

/// Normalises a path given without its leading `/` (as the proxy stores it).
fn normalize(path: &str) -> String {
    let decoded = normalize_escapes(path);
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = segments.join("/");
    // A trailing slash names a directory; keep it.
    if (decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/.."))
        && !out.is_empty()
    {
        out.push('/');
    }
    out
}

fn normalize_escapes(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                let c = hi << 4 | lo;
                if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                    out.push(c as char);
                } else {
                    out.push('%');
                    out.push(bytes[i + 1].to_ascii_uppercase() as char);
                    out.push(bytes[i + 2].to_ascii_uppercase() as char);
                }
                i += 3;
                continue;
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

register!(PathNormalize);
