//! The Lua guest: runs a tslua script, unchanged, inside the wasm sandbox.
//!
//! One instance holds one Lua 5.1 state (tslua's "state"), with the script loaded once at start.
//! [`script::Script`] reproduces tslua's programming model (entry points, per-call contexts,
//! `ts.hook` closures, `ts.ctx`); [`api`] is the `ts.*` API, mapped onto the tswasm ABI; [`bit`] and
//! `prelude.lua` give LuaJIT's extras and make the sandbox's limits explicit.

mod api;
mod bit;
mod dispatch;
mod raw;
mod script;

use tswasm_guest_sdk::{register, Action, Hook, HookSet, Plugin, PluginEvent, RemapStatus, Txn};

use script::{Script, TxnContexts};

struct LuaGuest {
    script: Script,
}

impl Plugin for LuaGuest {
    type TxnState = TxnContexts;
    // Most scripts keep nothing per transaction; [`Script`] asks for txn-close when it does.
    const CLOSE_EVERY_TXN: bool = false;

    fn new() -> Result<Self, String> {
        Script::load().map(|script| LuaGuest { script })
    }

    fn hooks(&self) -> HookSet {
        self.script.hooks()
    }

    fn on_txn_start(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::TxnStart)
    }
    fn on_read_request(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::ReadRequest)
    }
    fn on_pre_remap(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::PreRemap)
    }
    fn on_remap(&mut self, txn: &mut Txn<TxnContexts>) -> RemapStatus {
        self.script.remap(txn)
    }
    fn on_post_remap(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::PostRemap)
    }
    fn on_cache_lookup_complete(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::CacheLookupComplete)
    }
    fn on_read_cache(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::ReadCache)
    }
    fn on_os_dns(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::OsDns)
    }
    fn on_send_request(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::SendRequest)
    }
    fn on_read_response(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::ReadResponse)
    }
    fn on_send_response(&mut self, txn: &mut Txn<TxnContexts>) -> Action {
        self.script.run(txn, Hook::SendResponse)
    }
    fn on_txn_close(&mut self, txn: &mut Txn<TxnContexts>) {
        self.script.run(txn, Hook::TxnClose);
        self.script.forget(txn);
    }
    fn on_event(&mut self, event: PluginEvent) {
        self.script.on_event(event);
    }
}

register!(LuaGuest);
