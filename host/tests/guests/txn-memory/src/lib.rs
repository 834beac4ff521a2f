//! A guest that remembers something of some transactions only, the way the SDK asks: it adds
//! txn-close for a transaction before it keeps anything of it, and keeps nothing of the others
//! (`CLOSE_EVERY_TXN` is off). Tests run it with several instances: a transaction it remembers
//! must come back to the instance that remembers it.
//!
//! - read-request: a request with `X-Remember: VALUE` is remembered;
//! - send-response: `X-Remembered: VALUE` for a remembered transaction;
//! - txn-close: the transaction is forgotten.

use std::collections::HashMap;

use tswasm_guest_sdk::{register, Action, Fields, Hook, Plugin, Txn};

pub struct TxnMemory {
    remembered: HashMap<u64, String>,
}

impl Plugin for TxnMemory {
    const HOOKS: &'static [Hook] = &[Hook::ReadRequest, Hook::SendResponse];
    const CLOSE_EVERY_TXN: bool = false;

    fn new() -> Result<Self, String> {
        Ok(TxnMemory {
            remembered: HashMap::new(),
        })
    }

    fn on_read_request(&mut self, txn: &Txn) -> Action {
        if let Some(value) = txn.client_request().header("X-Remember") {
            if txn.add_hook(Hook::TxnClose).is_err() {
                return Action::Error;
            }
            self.remembered.insert(txn.id(), value);
        }
        Action::Continue
    }

    fn on_send_response(&mut self, txn: &Txn) -> Action {
        if let Some(value) = self.remembered.get(&txn.id()) {
            let _ = txn.client_response().set_header("X-Remembered", value);
        }
        Action::Continue
    }

    fn on_txn_close(&mut self, txn: &Txn) {
        self.remembered.remove(&txn.id());
    }
}

register!(TxnMemory);
