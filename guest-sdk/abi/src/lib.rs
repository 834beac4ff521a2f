//! The tswasm guest/host ABI, version 1: the one definition shared by the host runtime and the guest SDK.
//!
//! A guest is a `wasm32-wasip1` reactor module. It imports the functions listed by [`for_each_import!`]
//! from the module [`IMPORT_MODULE`] and exports the functions named in [`export`]. `ABI.md` at the
//! repository root describes the contract in prose; this crate is what both sides compile against, so the
//! two cannot drift apart.
//!
//! Conventions every import follows:
//! - pointers and lengths are `u32` offsets into the guest's linear memory; the host checks every range
//!   and traps the guest (never itself) when one is out of bounds;
//! - functions that return bytes take a guest buffer `(buf_ptr, buf_cap)`, copy at most `buf_cap` bytes
//!   and return the **full** length, so a return value larger than `buf_cap` means "call again with a
//!   buffer at least this large";
//! - a negative return value is an [`Error`] code.
#![no_std]
#![warn(missing_docs)]

/// The ABI version a guest must report from [`export::ABI_VERSION`].
pub const ABI_VERSION: u32 = 1;

/// The wasm import module every host function lives in.
pub const IMPORT_MODULE: &str = "tswasm_v1";

/// Names of the functions a guest exports.
pub mod export {
    /// `() -> i32`: the ABI version the guest was built against ([`crate::ABI_VERSION`]).
    pub const ABI_VERSION: &str = "tswasm_abi_version";
    /// `() -> i32`: the set of hooks the guest wants on every transaction, as a [`crate::HookSet`] bit mask.
    pub const HOOKS: &str = "tswasm_hooks";
    /// `() -> i32`: called once per instance after `_initialize`; non-zero refuses to load.
    pub const INIT: &str = "tswasm_init";
    /// `(txn_id: i64, hook: i32) -> i32`: one hook of one transaction. Returns an [`crate::Action`], or a
    /// [`crate::RemapStatus`] for [`crate::Hook::Remap`].
    pub const ON_HOOK: &str = "tswasm_on_hook";
    /// `(event: i32) -> i32`, optional: a [`crate::PluginEvent`], outside any transaction. The return
    /// value is ignored.
    pub const ON_EVENT: &str = "tswasm_on_event";
    /// `() -> i32`, optional, asked after [`HOOKS`]: non-zero means the guest wants
    /// [`crate::Hook::TxnClose`] only where it asked for it (declared in [`HOOKS`], or added for the
    /// transaction with `hook_add`), which saves a call into the guest per transaction. Without the
    /// export, or if it returns zero, txn-close reaches every transaction bound to an instance.
    pub const TXN_CLOSE_ON_REQUEST: &str = "tswasm_txn_close_on_request";
    /// `() -> i32`, optional, asked after [`HOOKS`]: non-zero means the guest takes its
    /// transaction hooks apart from its global ones, as Traffic Server delivers them. A hook the
    /// guest added for a transaction with `hook_add` (and a remap rule's plugin's declared hooks
    /// after remap) then comes in the transaction-hook phase, after every plugin's global hook
    /// at that point and with [`crate::TXN_HOOK_BIT`] set in [`ON_HOOK`]'s `hook` argument; a
    /// hook both declared and added comes twice. Remap, txn-close and vconn-start come once,
    /// without the bit. Without the export, or if it returns zero, a hook comes once, where its
    /// global hook is if the guest declared it, else with the transaction hooks, without the bit.
    pub const TXN_HOOKS_APART: &str = "tswasm_txn_hooks_apart";
}

/// Set in [`export::ON_HOOK`]'s `hook` argument for a transaction hook of a guest that takes them
/// apart ([`export::TXN_HOOKS_APART`]); the low bits are the [`Hook`].
pub const TXN_HOOK_BIT: u32 = 1 << 8;

/// Defines a `#[repr(u32)]`/`#[repr(i32)]` enum with a checked conversion from the raw ABI value.
macro_rules! abi_enum {
    ($(#[$meta:meta])* pub enum $name:ident : $repr:ty { $($(#[$vmeta:meta])* $variant:ident = $value:expr => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr($repr)]
        pub enum $name { $($(#[$vmeta])* $variant = $value,)* }

        impl $name {
            /// Every value, in ABI order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The value for a raw ABI number, or `None` if the number names nothing.
            pub const fn from_raw(raw: $repr) -> Option<Self> {
                match raw { $($value => Some($name::$variant),)* _ => None }
            }

            /// The raw ABI number.
            pub const fn raw(self) -> $repr { self as $repr }

            /// A short lower-case name, as used in logs and `tswasm inspect`.
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result { f.write_str(self.name()) }
        }

        impl $crate::AbiValue for $name {
            type Raw = u32;
            // Every enum crosses the ABI as a `u32`, the `i32` ones as their two's complement.
            fn to_abi(self) -> u32 { self.raw() as u32 }
            fn from_abi(raw: u32) -> Option<Self> { Self::from_raw(raw as $repr) }
        }
    };
}

mod imports;
pub mod list;
mod value;
pub use value::AbiValue;

mod details;
pub use details::{
    Milestone, Peer, PluginEvent, PluginRole, RecordType, SocketOption, Timeout, TxnControl,
    TxnFact, TxnText,
};

abi_enum! {
    /// The points in a transaction's life where a guest can run, in the order a proxy reaches them.
    /// They mirror Traffic Server's HTTP hooks.
    pub enum Hook: u32 {
        /// The transaction began; the client request is not available yet.
        TxnStart = 0 => "txn-start",
        /// The client request has been read.
        ReadRequest = 1 => "read-request",
        /// Before the remap rules are applied.
        PreRemap = 2 => "pre-remap",
        /// The remap rule matched and mapped the URL (the original stays readable as the pristine
        /// URL); only for plugins attached to a remap rule. Returns a [`RemapStatus`].
        Remap = 3 => "remap",
        /// After remap, before the cache lookup; the last chance to change the cache key.
        PostRemap = 4 => "post-remap",
        /// A cache hit: the cached response is available (before cache-lookup-complete, as in
        /// Traffic Server).
        ReadCache = 5 => "read-cache",
        /// The [`CacheStatus`] is known and may be changed.
        CacheLookupComplete = 6 => "cache-lookup-complete",
        /// A cache miss, before the origin is contacted.
        OsDns = 7 => "os-dns",
        /// The server request exists and is about to go to the origin.
        SendRequest = 8 => "send-request",
        /// The origin's response has been read.
        ReadResponse = 9 => "read-response",
        /// The client response exists and is about to be sent.
        SendResponse = 10 => "send-response",
        /// Delivered to every instance a transaction was bound to, so guests can drop its state
        /// (unless the guest asks for it only where it needs it: [`export::TXN_CLOSE_ON_REQUEST`]).
        TxnClose = 11 => "txn-close",
        /// A client connection is starting, before any transaction (Traffic Server's vconn-start:
        /// for TLS connections, before the handshake). The id passed is the connection's; of the
        /// transaction's imports only the client's address and port, [`TxnFact::ClientFd`] and
        /// `client_protocol_disable` answer. Global plugins only.
        VconnStart = 12 => "vconn-start",
    }
}

/// A set of [`Hook`]s as a bit mask (bit `n` = hook with raw value `n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HookSet(pub u32);

impl Hook {
    /// A transaction's hook after remap: what a remap rule's plugin runs of the hooks it declares,
    /// for the transactions the rule matched (a connection's start is a global plugin's only).
    pub const fn follows_remap(self) -> bool {
        self as u32 > Hook::Remap as u32 && !matches!(self, Hook::VconnStart)
    }
}

impl HookSet {
    /// The set with no hooks.
    pub const EMPTY: HookSet = HookSet(0);

    /// The set with one more hook.
    pub const fn with(self, hook: Hook) -> HookSet {
        HookSet(self.0 | (1 << hook as u32))
    }

    /// Whether `hook` is in the set.
    pub const fn contains(self, hook: Hook) -> bool {
        self.0 & (1 << hook as u32) != 0
    }

    /// Adds `hook` to the set, in place.
    pub fn insert(&mut self, hook: Hook) {
        *self = self.with(hook);
    }

    /// True if no bit is set, known or unknown.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if bits are set that name no hook (a guest built against a newer ABI, or garbage).
    pub const fn has_unknown_bits(self) -> bool {
        self.0 >> Hook::ALL.len() != 0
    }

    /// The hooks in the set, in life-cycle order.
    pub fn iter(self) -> impl Iterator<Item = Hook> {
        Hook::ALL.iter().copied().filter(move |h| self.contains(*h))
    }
}

abi_enum! {
    /// What a hook tells the proxy to do next.
    pub enum Action: i32 {
        /// Carry on with the transaction.
        Continue = 0 => "continue",
        /// Fail the transaction: the proxy answers with an error (or the local response, if one was set).
        Error = 1 => "error",
    }
}

/// What a hook tells the proxy: an [`Action`], or for [`Hook::Remap`] a [`RemapStatus`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The reply of every hook but remap.
    Action(Action),
    /// The reply of the remap hook.
    Remap(RemapStatus),
}

impl Reply {
    /// The reply a guest's raw return value from `hook` stands for, or `None` if it means nothing.
    pub const fn from_raw(hook: Hook, raw: i32) -> Option<Reply> {
        match hook {
            Hook::Remap => match RemapStatus::from_raw(raw) {
                Some(status) => Some(Reply::Remap(status)),
                None => None,
            },
            _ => match Action::from_raw(raw) {
                Some(action) => Some(Reply::Action(action)),
                None => None,
            },
        }
    }

    /// The raw value a guest returns for it.
    pub const fn raw(self) -> i32 {
        match self {
            Reply::Action(action) => action.raw(),
            Reply::Remap(status) => status.raw(),
        }
    }

    /// Whether the reply fails the transaction (the proxy answers with an error, or with the
    /// response the plugin set).
    pub const fn fails_transaction(self) -> bool {
        matches!(
            self,
            Reply::Action(Action::Error) | Reply::Remap(RemapStatus::Error)
        )
    }
}

abi_enum! {
    /// The result of [`Hook::Remap`], with Traffic Server's `TSRemapStatus` numbering. The rule has
    /// already mapped the URL when the hook runs (as Traffic Server 9.2 does); the status says whether
    /// the plugin changed it further.
    pub enum RemapStatus: i32 {
        /// The plugin left the (mapped) URL alone.
        NoRemap = 0 => "no-remap",
        /// The plugin rewrote the request URL.
        DidRemap = 1 => "did-remap",
        /// As `NoRemap`, and no later plugin on the rule runs.
        NoRemapStop = 2 => "no-remap-stop",
        /// As `DidRemap`, and no later plugin on the rule runs.
        DidRemapStop = 3 => "did-remap-stop",
        /// Fail the transaction.
        Error = -1 => "error",
    }
}

abi_enum! {
    /// The HTTP messages of a transaction. Each exists only from a certain hook on.
    pub enum Message: u32 {
        /// From the client; from [`Hook::ReadRequest`] on.
        ClientRequest = 0 => "client-request",
        /// What the origin will receive; from [`Hook::SendRequest`] on.
        ServerRequest = 1 => "server-request",
        /// What the origin answered; from [`Hook::ReadResponse`] on.
        ServerResponse = 2 => "server-response",
        /// What the client will receive; at [`Hook::SendResponse`].
        ClientResponse = 3 => "client-response",
        /// The cached response on a cache hit, read-only; from [`Hook::ReadCache`] on.
        CachedResponse = 4 => "cached-response",
    }
}

impl Message {
    /// True for the two requests (which have a method and URL), false for the responses (which have a
    /// status line).
    pub const fn is_request(self) -> bool {
        matches!(self, Message::ClientRequest | Message::ServerRequest)
    }
}

abi_enum! {
    /// Parts of a URL. `Port` is decimal text; `Url` is the whole URL as one string.
    pub enum UrlPart: u32 {
        /// The scheme, e.g. `https`; `http` for a request whose URL has no host.
        Scheme = 0 => "scheme",
        /// The host, without the port; taken from the `Host` header when the URL has none.
        Host = 1 => "host",
        /// The port: reading gives the scheme's default when none is explicit; setting `""` removes it.
        Port = 2 => "port",
        /// The path without its leading `/`, as the URL reads (with its `;params`: setting the
        /// path keeps them, as Traffic Server does).
        Path = 3 => "path",
        /// The query without its leading `?`.
        Query = 4 => "query",
        /// The whole URL.
        Url = 5 => "url",
        /// The path's parameters, after its `;` (Traffic Server keeps them apart from the path;
        /// the path part includes them); empty for none, and setting `""` removes them.
        Params = 6 => "params",
    }
}

abi_enum! {
    /// The URLs around remapping: the two of the remap rule a transaction matched, and the client's
    /// URL as it was before any plugin or rule changed it.
    pub enum RemapUrl: u32 {
        /// The rule's URL requests are matched against.
        From = 0 => "from",
        /// The rule's URL matching requests are mapped to.
        To = 1 => "to",
        /// The client request's URL as received (Traffic Server's "pristine" URL), from
        /// [`Hook::ReadRequest`] on, with or without a remap rule.
        Pristine = 2 => "pristine",
    }
}

abi_enum! {
    /// The outcome of the cache lookup, with Traffic Server's `TS_CACHE_LOOKUP_*` numbering.
    pub enum CacheStatus: i32 {
        /// The object is not in the cache.
        Miss = 0 => "miss",
        /// The object is in the cache but stale, so it is normally revalidated with the origin.
        HitStale = 1 => "hit-stale",
        /// The object is in the cache and fresh: served without contacting the origin.
        HitFresh = 2 => "hit-fresh",
        /// The cache was not consulted (e.g. caching is off for this request).
        Skipped = 3 => "skipped",
    }
}

abi_enum! {
    /// Severity of a log line, mapped onto the proxy's log functions (`TSDebug`, `TSNote`, ..., `TSError`).
    /// There is deliberately no fatal level: a guest cannot stop the proxy.
    pub enum LogLevel: u32 {
        /// Developer diagnostics (`TSDebug`), normally switched off in production.
        Debug = 0 => "debug",
        /// Something worth noting in normal operation.
        Note = 1 => "note",
        /// A change of state an operator may want to see.
        Status = 2 => "status",
        /// Something unexpected that the plugin worked around.
        Warning = 3 => "warning",
        /// Something that needs an operator's attention.
        Alert = 4 => "alert",
        /// A failure (`TSError`).
        Error = 5 => "error",
    }
}

abi_enum! {
    /// How a statistic aggregates.
    pub enum StatKind: u32 {
        /// Only ever incremented, e.g. requests seen.
        Counter = 0 => "counter",
        /// Set to a current value, e.g. connections open.
        Gauge = 1 => "gauge",
    }
}

abi_enum! {
    /// Who a plugin-made response is served to (tslua's `ts.http.intercept` and `server_intercept`).
    pub enum Intercept: u32 {
        /// The response goes to the client; the origin is not contacted.
        Client = 0 => "client",
        /// The response stands in for the origin's.
        Server = 1 => "server",
    }
}

abi_enum! {
    /// Facts about the proxy a plugin may ask for (tslua's `ts.get_config_dir()` and friends).
    pub enum ProxyInfo: u32 {
        /// The proxy's configuration directory (e.g. `/etc/trafficserver`).
        ConfigDir = 0 => "config-dir",
        /// Where the proxy is installed.
        InstallDir = 1 => "install-dir",
        /// The proxy's runtime directory (sockets, pid files).
        RuntimeDir = 2 => "runtime-dir",
        /// Where the proxy's plugins are installed.
        PluginDir = 3 => "plugin-dir",
        /// The proxy's version string.
        Version = 4 => "version",
        /// A UUID for this proxy process, fixed for its life.
        ProcessUuid = 5 => "process-uuid",
    }
}

abi_enum! {
    /// An application protocol a client connection may negotiate (TLS ALPN).
    pub enum ClientProtocol: u32 {
        /// HTTP/2 (`h2`).
        Http2 = 0 => "http2",
    }
}

abi_enum! {
    /// How a text log writes its lines (Traffic Server's `TS_LOG_MODE_*` flags, as numbers).
    pub enum TextLogMode: u32 {
        /// Each line as written.
        Plain = 0 => "plain",
        /// Each line after the time it was written (`20261203.21h16m38s `).
        Timestamped = 1 => "timestamped",
        /// As written; the proxy's log rolling leaves the file alone.
        NoRename = 2 => "no-rename",
        /// Both.
        TimestampedNoRename = 3 => "timestamped-no-rename",
    }
}

abi_enum! {
    /// Error codes returned (negated) by host functions.
    pub enum Error: i32 {
        /// The header, argument, statistic or setting does not exist.
        NotFound = -1 => "not found",
        /// The message or value does not exist at this hook (e.g. the server response before it arrived,
        /// or any transaction function outside a transaction).
        NotAvailable = -2 => "not available at this hook",
        /// An enum value out of range, bytes that are not valid for the field, or a value of the wrong type.
        InvalidArgument = -3 => "invalid argument",
        /// The message cannot be changed (the cached response).
        ReadOnly = -4 => "read-only",
        /// The proxy does not offer this operation.
        Unsupported = -5 => "not supported by this proxy",
        /// A limit the host sets on resources a guest may hold (e.g. text logs) is reached.
        LimitReached = -6 => "limit reached",
    }
}

impl Error {
    /// The error a negative return value stands for; `None` for success values and unknown codes.
    pub const fn from_return(ret: i64) -> Option<Error> {
        if ret < 0 && ret >= i32::MIN as i64 {
            Error::from_raw(ret as i32)
        } else {
            None
        }
    }
}

#[cfg(test)]
extern crate std;

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn raw_values_round_trip() {
        for hook in Hook::ALL {
            assert_eq!(Hook::from_raw(hook.raw()), Some(*hook));
        }
        for err in Error::ALL {
            assert_eq!(Error::from_return(err.raw() as i64), Some(*err));
        }
        assert_eq!(Hook::from_raw(Hook::ALL.len() as u32), None);
        assert_eq!(Error::from_return(5), None);
    }

    #[test]
    fn hook_set_rejects_unknown_bits() {
        let set = HookSet::EMPTY.with(Hook::Remap).with(Hook::TxnClose);
        assert!(set.contains(Hook::Remap) && !set.contains(Hook::TxnStart));
        assert!(!set.has_unknown_bits());
        assert!(!HookSet(1 << 12).has_unknown_bits(), "vconn-start");
        assert!(HookSet(1 << 13).has_unknown_bits());
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Hook::Remap, Hook::TxnClose]
        );
    }

    #[test]
    fn replies_round_trip_per_hook() {
        for hook in Hook::ALL {
            for raw in -2..5 {
                if let Some(reply) = Reply::from_raw(*hook, raw) {
                    assert_eq!(reply.raw(), raw);
                    assert_eq!(matches!(reply, Reply::Remap(_)), *hook == Hook::Remap);
                }
            }
        }
        assert_eq!(Reply::from_raw(Hook::ReadRequest, -1), None);
        assert!(Reply::from_raw(Hook::Remap, -1)
            .unwrap()
            .fails_transaction());
    }

    #[test]
    fn remap_status_uses_traffic_server_numbers() {
        assert_eq!(RemapStatus::from_raw(-1), Some(RemapStatus::Error));
        assert_eq!(RemapStatus::DidRemapStop.raw(), 3);
        assert_eq!(CacheStatus::HitFresh.raw(), 2);
    }
}
