//! The benchmark workload (benches/workload/*.lua) as a Rust guest; the argument names the script
//! it stands for: `global`, `remap` or `gsub`.

use tswasm_guest_sdk::{
    env, register, Action, CacheStatus, Fields, Hook, HookSet, Plugin, RemapStatus, Txn,
};

#[derive(Clone, Copy)]
enum Mode {
    Global,
    Remap,
    Gsub,
}

pub struct Workload {
    mode: Mode,
}

impl Plugin for Workload {
    type TxnState = ();
    // Nothing is kept per transaction, as in header_rewrite: no txn-close call.
    const CLOSE_EVERY_TXN: bool = false;

    fn new() -> Result<Self, String> {
        let mode = match env::args().first().map(String::as_str) {
            Some("global") => Mode::Global,
            Some("remap") => Mode::Remap,
            Some("gsub") => Mode::Gsub,
            other => return Err(format!("expected global, remap or gsub, not {other:?}")),
        };
        Ok(Workload { mode })
    }

    fn hooks(&self) -> HookSet {
        match self.mode {
            Mode::Global => HookSet::EMPTY
                .with(Hook::ReadRequest)
                .with(Hook::SendResponse),
            Mode::Remap | Mode::Gsub => HookSet::EMPTY.with(Hook::Remap),
        }
    }

    fn on_read_request(&mut self, txn: &mut Txn) -> Action {
        let request = txn.client_request();
        let _ = request.remove_header("X-Debug");
        let _ = request.set_header("X-Bench", "global");
        Action::Continue
    }

    fn on_send_response(&mut self, txn: &mut Txn) -> Action {
        let response = txn.client_response();
        let cache = match txn.cache_status() {
            Ok(CacheStatus::HitFresh) => "hit",
            _ => "miss",
        };
        let _ = response.set_header("X-Cache", cache);
        let _ = response.remove_header("Server");
        let _ = response.set_header("X-Served-By", "bench");
        Action::Continue
    }

    fn on_remap(&mut self, txn: &mut Txn) -> RemapStatus {
        let request = txn.client_request();
        let Ok(path) = request.path() else {
            return RemapStatus::NoRemap;
        };
        match self.mode {
            Mode::Gsub => {
                let sum: u32 = path.bytes().map(u32::from).sum();
                // The Lua script sees the path with its leading slash.
                let _ = request.set_path(&path.to_ascii_lowercase());
                let _ = request.set_header("X-Path-Sum", &(sum + u32::from(b'/')).to_string());
            }
            _ => {
                // Not `format!`: its machinery costs more than the concatenation in wasm.
                let _ = request.set_path(&["v2/", &path].concat());
                let _ = request.set_header("Host", "origin.internal");
            }
        }
        RemapStatus::DidRemap
    }
}

register!(Workload);
