//! A guest that remembers something of some transactions only, in the SDK's per-transaction state
//! (which asks for txn-close when it is made), and keeps nothing of the others (`CLOSE_EVERY_TXN`
//! is off). Tests run it with several instances: a transaction it remembers must come back to the
//! instance that remembers it.
//!
//! - read-request: a request with `X-Remember: VALUE` is remembered;
//! - send-response: `X-Remembered: VALUE` for a remembered transaction;
//! - txn-close: the transaction is forgotten.

use tswasm_guest_sdk::{register, Action, Fields, Hook, Plugin, Txn};

pub struct TxnMemory;

impl Plugin for TxnMemory {
    /// The remembered value.
    type TxnState = String;
    const HOOKS: &'static [Hook] = &[Hook::ReadRequest, Hook::SendResponse];
    const CLOSE_EVERY_TXN: bool = false;

    fn new() -> Result<Self, String> {
        Ok(TxnMemory)
    }

    fn on_read_request(&mut self, txn: &mut Txn<String>) -> Action {
        if let Some(value) = txn.client_request().header("X-Remember") {
            *txn.state() = value;
        }
        Action::Continue
    }

    fn on_send_response(&mut self, txn: &mut Txn<String>) -> Action {
        if let Some(value) = txn.kept() {
            let _ = txn.client_response().set_header("X-Remembered", value);
        }
        Action::Continue
    }
}

register!(TxnMemory);
