//! What the ABI's host functions work with, apart from the guest's memory: the proxy's services,
//! the plugin's arguments and source, and the hook call under way.

use std::sync::Arc;

use tswasm_abi::{Hook, PluginRole};
use wasmtime::Memory;

use super::call::CallSlot;
use crate::artifact::Source;
use crate::services::Services;
use crate::txn::{AbiResult, Transaction};

pub(crate) struct AbiCtx {
    /// The guest's exported memory, known once the instance exists.
    pub memory: Option<Memory>,
    pub services: Arc<dyn Services>,
    pub args: Arc<[String]>,
    /// How the proxy loaded the plugin.
    pub role: PluginRole,
    /// The plugin's source (a script), for interpreter guests.
    pub source: Option<Arc<Source>>,
    /// The plugin's name, the tag for its log lines.
    pub tag: Arc<str>,
    pub call: CallSlot,
    /// Reused output buffer for host functions that return bytes: no allocation per call once warm.
    pub scratch: Vec<u8>,
}

impl AbiCtx {
    /// A context outside any hook call.
    pub fn new(
        services: Arc<dyn Services>,
        args: Arc<[String]>,
        role: PluginRole,
        source: Option<Arc<Source>>,
        tag: Arc<str>,
        txn_memory_limit: usize,
    ) -> AbiCtx {
        AbiCtx {
            memory: None,
            services,
            args,
            role,
            source,
            tag,
            call: CallSlot::new(txn_memory_limit),
            scratch: Vec::new(),
        }
    }

    /// The current transaction, to read; `NotAvailable` outside a hook (e.g. during
    /// `tswasm_init`).
    pub fn txn(&mut self) -> AbiResult<&dyn Transaction> {
        self.call.txn().map(|txn| &*txn)
    }

    /// The current transaction, to change in a way that makes the host keep the bytes of
    /// `keeps` for it (`&[]`: nothing, as a status code): the call is recorded as one that edited
    /// it, and refused with `LimitReached` past the transaction's host memory limit (see
    /// [`CallReport`](super::CallReport)).
    pub fn txn_mut(&mut self, keeps: &[&[u8]]) -> AbiResult<&mut dyn Transaction> {
        self.call.edit(keeps)
    }

    /// The hook being run, if any.
    pub fn hook(&self) -> Option<Hook> {
        self.call.hook()
    }
}
