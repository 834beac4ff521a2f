//! Write tswasm proxy plugins in Rust.
//!
//! A plugin is a type implementing [`Plugin`]: it lists the hooks it wants in [`Plugin::HOOKS`] and
//! overrides the matching `on_*` methods, each of which gets the current [`Txn`] and returns what the
//! proxy should do next. [`register!`] exports it to the host. Build for `wasm32-wasip1` as a `cdylib`.
//!
//! ```text
//! use tswasm_guest_sdk::{register, Action, Fields, Hook, Plugin, Txn};
//!
//! struct NoSniff;
//!
//! impl Plugin for NoSniff {
//!     type TxnState = ();
//!     const HOOKS: &'static [Hook] = &[Hook::SendResponse];
//!
//!     fn new() -> Result<Self, String> {
//!         Ok(NoSniff)
//!     }
//!
//!     fn on_send_response(&mut self, txn: &mut Txn) -> Action {
//!         let _ = txn.client_response().set_header("X-Content-Type-Options", "nosniff");
//!         Action::Continue
//!     }
//! }
//!
//! register!(NoSniff);
//! ```
//!
//! Each instance of a plugin holds one value of the type, created by [`Plugin::new`] when the instance
//! starts and kept for its life; one instance serves many transactions, interleaved. What a plugin
//! keeps for one transaction is its [`Plugin::TxnState`], which the SDK keeps apart per transaction:
//! [`Txn::state`] makes it on first use, and the SDK drops it when the transaction closes.
#![warn(missing_docs)]

mod buffer;
pub mod env;
pub mod host;
pub mod http;
pub mod sys;
mod txn;
mod txn_state;

pub use http::{Fields, Request, Response};
pub use tswasm_abi::{
    Action, CacheStatus, ClientProtocol, Error, Hook, HookSet, Intercept, LogLevel, Message,
    Milestone, Peer, PluginEvent, PluginRole, ProxyInfo, RecordType, RemapStatus, RemapUrl, Reply,
    SocketOption, StatKind, TextLogMode, Timeout, TxnControl, TxnFact, TxnText, UrlPart,
    ABI_VERSION,
};
pub use txn::TxnHandle;
pub use txn_state::Txn;

/// A proxy plugin. Override the hooks you list in [`Plugin::HOOKS`]; the others are never called.
#[allow(unused_variables)]
pub trait Plugin: Sized + 'static {
    /// What the plugin keeps for one transaction between its hooks (`()` for nothing): made with
    /// `Default` the first time a hook calls [`Txn::state`], dropped after [`Plugin::on_txn_close`].
    type TxnState: Default + 'static;

    /// The hooks to run on every transaction. A plugin attached to a remap rule lists
    /// [`Hook::Remap`]; its hooks after remap then run for the transactions that matched the rule.
    const HOOKS: &'static [Hook] = &[];

    /// Whether [`Plugin::on_txn_close`] runs for every transaction the instance saw (the default).
    /// Set it to `false` to save a call into the plugin per transaction: txn-close then runs only
    /// where it is needed, for transactions with a [`Plugin::TxnState`], or if listed in
    /// [`Plugin::HOOKS`] or added with [`TxnHandle::add_hook`].
    const CLOSE_EVERY_TXN: bool = true;

    /// Whether a hook added for a transaction ([`TxnHandle::add_hook`]) runs apart from the same
    /// hook in [`Plugin::HOOKS`], as Traffic Server runs a plugin's transaction hooks: in
    /// [`Plugin::on_txn_hook`], after every plugin's global hook at that point. A hook both listed
    /// and added then runs twice. With `false` (the default) it runs once, in [`Plugin::on_hook`].
    const TXN_HOOKS_APART: bool = false;

    /// The hooks to run on every transaction, asked once per instance after [`Plugin::new`]. The
    /// default is [`Plugin::HOOKS`]; plugins that learn their hooks at start (an interpreter loading
    /// a script) override this instead.
    fn hooks(&self) -> HookSet {
        Self::HOOKS
            .iter()
            .fold(HookSet::EMPTY, |set, hook| set.with(*hook))
    }

    /// Creates the plugin's state when an instance starts; read [`env::args`] here. An error is
    /// logged and stops the plugin from loading.
    fn new() -> Result<Self, String>;

    /// Runs one hook of a transaction. The default calls the hook's own method below
    /// (`on_read_request`, [`Plugin::on_remap`], ...); a plugin that treats every hook alike (an
    /// interpreter running a script's functions) overrides this one instead.
    fn on_hook(&mut self, txn: &mut Txn<Self::TxnState>, hook: Hook) -> Reply {
        Reply::Action(match hook {
            Hook::TxnStart => self.on_txn_start(txn),
            Hook::ReadRequest => self.on_read_request(txn),
            Hook::PreRemap => self.on_pre_remap(txn),
            Hook::Remap => return Reply::Remap(self.on_remap(txn)),
            Hook::PostRemap => self.on_post_remap(txn),
            Hook::CacheLookupComplete => self.on_cache_lookup_complete(txn),
            Hook::ReadCache => self.on_read_cache(txn),
            Hook::OsDns => self.on_os_dns(txn),
            Hook::SendRequest => self.on_send_request(txn),
            Hook::ReadResponse => self.on_read_response(txn),
            Hook::SendResponse => self.on_send_response(txn),
            Hook::TxnClose => {
                self.on_txn_close(txn);
                Action::Continue
            }
            Hook::VconnStart => self.on_vconn_start(txn),
        })
    }

    /// Runs a hook added for the transaction, for a plugin that takes them apart
    /// ([`Plugin::TXN_HOOKS_APART`]); also a remap rule's plugin's [`Plugin::HOOKS`] after remap,
    /// which Traffic Server adds for the transaction the rule matched. The default is
    /// [`Plugin::on_hook`].
    fn on_txn_hook(&mut self, txn: &mut Txn<Self::TxnState>, hook: Hook) -> Reply {
        self.on_hook(txn, hook)
    }

    /// The transaction began ([`Hook::TxnStart`]); its client request cannot be read yet.
    fn on_txn_start(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// The client request has been read ([`Hook::ReadRequest`]).
    fn on_read_request(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// Before the remap rules apply ([`Hook::PreRemap`]).
    fn on_pre_remap(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// The remap rule this plugin is attached to matched. Say whether you rewrote the URL.
    fn on_remap(&mut self, txn: &mut Txn<Self::TxnState>) -> RemapStatus {
        RemapStatus::NoRemap
    }
    /// After remap, before the cache lookup ([`Hook::PostRemap`]): the last chance to set the cache key.
    fn on_post_remap(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// The cache lookup finished ([`Hook::CacheLookupComplete`]); [`TxnHandle::set_cache_status`] can
    /// override its outcome.
    fn on_cache_lookup_complete(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// A cache hit ([`Hook::ReadCache`]): [`TxnHandle::cached_response`] can be read.
    fn on_read_cache(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// A cache miss, before the origin is contacted ([`Hook::OsDns`]).
    fn on_os_dns(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// [`TxnHandle::server_request`] is about to go to the origin ([`Hook::SendRequest`]).
    fn on_send_request(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// The origin answered; [`TxnHandle::server_response`] can be read and changed ([`Hook::ReadResponse`]).
    fn on_read_response(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// [`TxnHandle::client_response`] is about to go to the client ([`Hook::SendResponse`]).
    fn on_send_response(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }
    /// The transaction ended; its [`Plugin::TxnState`] is dropped after this returns.
    fn on_txn_close(&mut self, txn: &mut Txn<Self::TxnState>) {}
    /// A client connection is starting, before any transaction ([`Hook::VconnStart`]): `txn`
    /// stands for the connection (the client's [`TxnHandle::peer`], its descriptor, and
    /// [`TxnHandle::disable_client_protocol`]); its state is dropped after this returns.
    fn on_vconn_start(&mut self, txn: &mut Txn<Self::TxnState>) -> Action {
        Action::Continue
    }

    /// The plugin is being unloaded or reloaded ([`PluginEvent`]), outside any transaction: release
    /// what must not outlive this instance.
    fn on_event(&mut self, event: PluginEvent) {}
}

/// Exports a [`Plugin`] type to the host: `register!(MyPlugin);` once per crate.
#[macro_export]
macro_rules! register {
    ($plugin:ty) => {
        const _: () = {
            ::std::thread_local! {
                static PLUGIN: ::core::cell::RefCell<
                    ::core::option::Option<$crate::__private::Registered<$plugin>>,
                > = const { ::core::cell::RefCell::new(::core::option::Option::None) };
            }

            #[no_mangle]
            pub extern "C" fn tswasm_abi_version() -> i32 {
                $crate::ABI_VERSION as i32
            }

            #[no_mangle]
            pub extern "C" fn tswasm_hooks() -> i32 {
                PLUGIN.with(|cell| $crate::__private::hooks(cell))
            }

            #[no_mangle]
            pub extern "C" fn tswasm_init() -> i32 {
                PLUGIN.with(|cell| $crate::__private::init(cell))
            }

            #[no_mangle]
            pub extern "C" fn tswasm_txn_close_on_request() -> i32 {
                i32::from(!<$plugin as $crate::Plugin>::CLOSE_EVERY_TXN)
            }

            #[no_mangle]
            pub extern "C" fn tswasm_txn_hooks_apart() -> i32 {
                i32::from(<$plugin as $crate::Plugin>::TXN_HOOKS_APART)
            }

            #[no_mangle]
            pub extern "C" fn tswasm_on_hook(txn: i64, hook: i32) -> i32 {
                PLUGIN.with(|cell| $crate::__private::on_hook(cell, txn, hook))
            }

            #[no_mangle]
            pub extern "C" fn tswasm_on_event(event: i32) -> i32 {
                PLUGIN.with(|cell| $crate::__private::on_event(cell, event))
            }
        };
    };
}

/// Support for [`register!`]; not part of the API.
#[doc(hidden)]
pub mod __private {
    use core::cell::RefCell;

    use crate::txn_state::States;
    use crate::{env, Action, Hook, HookSet, LogLevel, Plugin, PluginEvent, RemapStatus, Txn};
    use tswasm_abi::TXN_HOOK_BIT;

    /// A started plugin and the state it keeps for each transaction.
    pub struct Registered<P: Plugin> {
        plugin: P,
        states: States<P::TxnState>,
    }

    type Cell<P> = RefCell<Option<Registered<P>>>;

    pub fn on_event<P: Plugin>(cell: &Cell<P>, event: i32) -> i32 {
        let mut guard = cell.borrow_mut();
        match (guard.as_mut(), PluginEvent::from_raw(event as u32)) {
            (Some(registered), Some(event)) => {
                registered.plugin.on_event(event);
                0
            }
            _ => 1,
        }
    }

    pub fn hooks<P: Plugin>(cell: &Cell<P>) -> i32 {
        cell.borrow()
            .as_ref()
            .map_or(HookSet::EMPTY, |r| r.plugin.hooks())
            .0 as i32
    }

    pub fn init<P: Plugin>(cell: &Cell<P>) -> i32 {
        match P::new() {
            Ok(plugin) => {
                *cell.borrow_mut() = Some(Registered {
                    plugin,
                    states: States::default(),
                });
                0
            }
            Err(message) => {
                env::log(LogLevel::Error, &format!("cannot start: {message}"));
                1
            }
        }
    }

    pub fn on_hook<P: Plugin>(cell: &Cell<P>, txn: i64, hook: i32) -> i32 {
        let mut guard = cell.borrow_mut();
        let Some(Registered { plugin, states }) = guard.as_mut() else {
            // The host only calls hooks after a successful init; anything else is a host bug.
            return Action::Error.raw();
        };
        let txn_hook = hook as u32 & TXN_HOOK_BIT != 0;
        let Some(hook) = Hook::from_raw(hook as u32 & !TXN_HOOK_BIT) else {
            return RemapStatus::Error.raw();
        };
        // A connection's start keeps nothing: its state, if the call makes one, is a scratch
        // one, apart from the transactions'.
        let mut scratch = States::default();
        let states = match hook {
            Hook::VconnStart => &mut scratch,
            _ => states,
        };
        let mut txn = Txn::new(txn as u64, states);
        let reply = crate::txn::running(hook, || match txn_hook {
            true => plugin.on_txn_hook(&mut txn, hook),
            false => plugin.on_hook(&mut txn, hook),
        });
        if hook == Hook::TxnClose {
            txn.forget();
        }
        reply.raw()
    }
}
