//! The Lua guest: runs a tslua script, unchanged, inside the wasm sandbox.
//!
//! One instance holds one Lua 5.1 state (tslua's "state"), with the script loaded once at start.
//! [`script::Script`] reproduces tslua's programming model (entry points, per-call contexts,
//! `ts.hook` closures, `ts.ctx`); [`api`] is the `ts.*` API, mapped onto the tswasm ABI; [`bit`] and
//! `prelude.lua` give LuaJIT's extras and make the sandbox's limits explicit.

mod api;
mod bit;
mod dispatch;
mod memory;
mod raw;
mod script;

use tswasm_guest_sdk::{register, Action, Hook, HookSet, Plugin, PluginEvent, Reply, Txn};

use script::{Script, TxnContexts};

struct LuaGuest {
    script: Script,
}

impl Plugin for LuaGuest {
    type TxnState = TxnContexts;
    // Most scripts keep nothing per transaction; the SDK asks for txn-close where a script does.
    const CLOSE_EVERY_TXN: bool = false;
    // tslua's `ts.hook` closures are transaction hooks: they run after every plugin's global
    // hook, not with their script's `do_global_*` function.
    const TXN_HOOKS_APART: bool = true;

    fn new() -> Result<Self, String> {
        Script::load().map(|script| LuaGuest { script })
    }

    fn hooks(&self) -> HookSet {
        self.script.hooks()
    }

    fn on_hook(&mut self, txn: &mut Txn<TxnContexts>, hook: Hook) -> Reply {
        let reply = self.run_hook(txn, hook);
        self.script.recover_memory();
        reply
    }

    fn on_txn_hook(&mut self, txn: &mut Txn<TxnContexts>, hook: Hook) -> Reply {
        let reply = Reply::Action(self.script.run_added(txn, hook));
        self.script.recover_memory();
        reply
    }

    fn on_event(&mut self, event: PluginEvent) {
        self.script.on_event(event);
        self.script.recover_memory();
    }
}

impl LuaGuest {
    fn run_hook(&mut self, txn: &mut Txn<TxnContexts>, hook: Hook) -> Reply {
        match hook {
            Hook::Remap => Reply::Remap(self.script.remap(txn)),
            Hook::TxnClose => {
                self.script.run(txn, Hook::TxnClose);
                self.script.forget(txn);
                Reply::Action(Action::Continue)
            }
            // A connection's start belongs to no transaction: nothing of it is kept.
            Hook::VconnStart => {
                let action = self.script.run(txn, Hook::VconnStart);
                self.script.forget(txn);
                Reply::Action(action)
            }
            _ => Reply::Action(self.script.run_global(txn, hook)),
        }
    }
}

register!(LuaGuest);
