//! The one list of host functions, with typed arguments, and the helper that turns a typed
//! argument list into raw wasm parameters for both sides.

/// Calls `$callback! { ... }` with the signature of every host function, in one list.
///
/// The host generates its bounds-checking, decoding trampolines from it (a missing host function is
/// a compile error), the guest SDK its raw imports and their safe wrappers, and a test checks
/// `ABI.md` against it. Each entry reads `fn name(arg: Type, ...) -> Result;`:
/// - an argument is `Bytes` (guest memory, passed as `name_ptr: u32, name_len: u32`; the host checks
///   the range and traps the guest if it is out of bounds) or a value: `u32`, `i64`, `f64`, or one of
///   the ABI's enums (passed as `u32`; a number that names nothing is [`crate::Error::InvalidArgument`]);
/// - the result is `i32` (a non-negative value, or an [`crate::Error`] code), `i64` (the same, wider),
///   `Bytes` (the host fills a guest buffer, passed last as `buf_ptr: u32, buf_cap: u32`, and returns
///   the full length: a length above `buf_cap` means "call again with a buffer this large"), or
///   `Value<i64>` / `Value<f64>` (the host writes 8 little-endian bytes at `out_ptr: u32`, passed
///   last, and returns 0).
#[macro_export]
macro_rules! for_each_import {
    ($callback:ident) => {
        $callback! {
            module = "tswasm_v1";

            // ---- logging, time, plugin arguments ----
            /// Writes one log line at a [`LogLevel`] with a tag (empty: the plugin's name). Returns 0, or
            /// `InvalidArgument` for an unknown level.
            fn log(level: LogLevel, tag: Bytes, message: Bytes) -> i32;
            /// 1 if a line at this level and tag would be written, else 0 (to skip building it).
            fn log_enabled(level: LogLevel, tag: Bytes) -> i32;
            /// Wall-clock time in nanoseconds since the Unix epoch.
            fn time_now_ns() -> i64;
            /// The number of plugin arguments.
            fn plugin_arg_count() -> i32;
            /// Plugin argument `index` (from 0).
            fn plugin_arg_get(index: u32) -> Bytes;
            /// The plugin's source (e.g. a Lua script), for interpreter guests;
            /// `NotFound` when the plugin is a plain module.
            fn source_get() -> Bytes;
            /// The path the source came from, for messages; `NotFound` without a source.
            fn source_name_get() -> Bytes;
            /// The [`PluginRole`] the proxy loaded the plugin in, as its number.
            fn plugin_role() -> i32;
            /// Reports that the current hook failed in a way the guest contained (a script error):
            /// the host logs the message with the plugin and hook, counts it, and applies the fail
            /// policy when the hook returns. `NotAvailable` outside a hook.
            fn hook_failed(message: Bytes) -> i32;

            // ---- the transaction ----
            /// The proxy's id of the current transaction (as passed to `tswasm_on_hook`).
            fn txn_id() -> i64;
            /// Runs [`Hook`] `hook` for this transaction too (it must not have passed yet). Returns 0.
            fn hook_add(hook: Hook) -> i32;

            // ---- headers of a [`Message`] ----
            /// How many fields named `name` (case-insensitive) the message has.
            fn header_count(msg: Message, name: Bytes) -> i32;
            /// Every value of the fields named `name`, in order, as a [`crate::list`] (empty when
            /// there are none): one call, however many fields the message has.
            fn header_values(msg: Message, name: Bytes) -> Bytes;
            /// The value of the `index`-th field named `name`.
            fn header_get(msg: Message, name: Bytes, index: u32) -> Bytes;
            /// Replaces all fields named `name` by one with this value.
            fn header_set(msg: Message, name: Bytes, value: Bytes) -> i32;
            /// Adds one more field named `name`, after the existing ones.
            fn header_append(msg: Message, name: Bytes, value: Bytes) -> i32;
            /// Removes all fields named `name`; returns how many there were.
            fn header_remove(msg: Message, name: Bytes) -> i32;
            /// The number of header fields, for iteration.
            fn field_count(msg: Message) -> i32;
            /// The name of field `index` (from 0), as the message spells it (Traffic Server spells
            /// the names it knows its own way: `Accept` for `accept`).
            fn field_name(msg: Message, index: u32) -> Bytes;
            /// The value of field `index` (from 0).
            fn field_value(msg: Message, index: u32) -> Bytes;
            /// Every field in order, as a [`crate::list`] of name, value, name, value... (names
            /// spelled as `field_name` spells them): one call for the whole message.
            fn fields_get(msg: Message) -> Bytes;
            /// The fields as the proxy writes them: `Name: value` and CRLF each, then a CRLF.
            fn header_block_get(msg: Message) -> Bytes;

            // ---- request line, URL, status line ----
            /// A request's method.
            fn method_get(msg: Message) -> Bytes;
            /// Sets a request's method.
            fn method_set(msg: Message, method: Bytes) -> i32;
            /// A [`UrlPart`] of a request's URL.
            fn url_get(msg: Message, part: UrlPart) -> Bytes;
            /// Sets a [`UrlPart`] of a request's URL; an empty value clears an optional part.
            fn url_set(msg: Message, part: UrlPart, value: Bytes) -> i32;
            /// A response's status code.
            fn status_get(msg: Message) -> i32;
            /// Sets a response's status code (100 to 999).
            fn status_set(msg: Message, status: u32) -> i32;
            /// A response's reason phrase.
            fn reason_get(msg: Message) -> Bytes;
            /// Sets a response's reason phrase.
            fn reason_set(msg: Message, reason: Bytes) -> i32;
            /// The HTTP version of a message as text, e.g. `1.1`.
            fn version_get(msg: Message) -> Bytes;
            /// Sets the HTTP version (`1.0` or `1.1`).
            fn version_set(msg: Message, version: Bytes) -> i32;

            // ---- remap rule, client, cache ----
            /// A [`UrlPart`] of a [`RemapUrl`]: the matched rule's from or to URL, or the pristine URL.
            fn remap_url_get(which: RemapUrl, part: UrlPart) -> Bytes;
            /// The IP address of a [`Peer`] as text.
            fn addr_get(peer: Peer) -> Bytes;
            /// The TCP port of a [`Peer`].
            fn port_get(peer: Peer) -> i32;
            /// Sets the address (IP text and port) of [`Peer`] `Server`, the origin, which skips
            /// resolving its name (up to os-dns), or `Outgoing`, the proxy's end of the origin
            /// connection (port 0: any; before send-request). `InvalidArgument` for another peer,
            /// a bad address or port.
            fn addr_set(peer: Peer, ip: Bytes, port: u32) -> i32;
            /// Protocol `index` (from 0) of the client connection's stack, outermost last, e.g.
            /// `http/1.1`, `tcp`, `ipv4`; `NotFound` past the end.
            fn protocol_get(index: u32) -> Bytes;
            /// The same for the origin connection, once there is one (`NotAvailable` before).
            fn server_protocol_get(index: u32) -> Bytes;
            /// A [`TxnFact`].
            fn txn_fact_get(fact: TxnFact) -> Value<i64>;
            /// A [`TxnText`]; `NotFound` where the transaction has none (`NotAvailable` for the TLS
            /// facts of a connection without TLS).
            fn txn_text_get(text: TxnText) -> Bytes;
            /// When a [`Milestone`] happened, in nanoseconds since the Unix epoch (a duration for the
            /// plugin milestones); 0 if it has not happened.
            fn milestone_get(milestone: Milestone) -> Value<i64>;
            /// Whether a [`TxnControl`] switch is on (1) or off (0).
            fn txn_control_get(control: TxnControl) -> i32;
            /// Turns a [`TxnControl`] switch on (non-zero) or off (0) for this transaction.
            fn txn_control_set(control: TxnControl, on: u32) -> i32;
            /// Sets a [`Timeout`] of this transaction, in milliseconds.
            fn timeout_set(timeout: Timeout, ms: u32) -> i32;
            /// Sets a [`SocketOption`] of the client or origin connection (of the origin's once
            /// it is made, if it is not yet).
            fn socket_option_set(option: SocketOption, value: u32) -> i32;
            /// Names a parent proxy (host and port 1 to 65535) for this transaction; the proxy's
            /// configuration decides whether it goes through it.
            fn parent_proxy_set(host: Bytes, port: u32) -> i32;
            /// Sets the URL parent selection uses for this transaction.
            fn parent_selection_url_set(url: Bytes) -> i32;
            /// After the origin answers, follow a redirect to this URL instead of returning the
            /// response (Traffic Server's `TSHttpTxnRedirectUrlSet`).
            fn redirect_url_set(url: Bytes) -> i32;
            /// Pushes `url` (absolute, with a host) to an HTTP/2 client: the proxy promises it on
            /// this transaction's stream and serves it as a request of its own. `NotAvailable` when
            /// the client is not HTTP/2 with pushes enabled, or the URL was pushed on its connection
            /// already.
            fn server_push(url: Bytes) -> i32;
            /// Keeps the client connection from negotiating this [`ClientProtocol`], at
            /// [`Hook::VconnStart`] only (`NotAvailable` elsewhere).
            fn client_protocol_disable(protocol: ClientProtocol) -> i32;
            /// The [`CacheStatus`] of the lookup, from [`Hook::CacheLookupComplete`] on.
            fn cache_status_get() -> i32;
            /// Overrides the [`CacheStatus`], at [`Hook::CacheLookupComplete`].
            fn cache_status_set(status: CacheStatus) -> i32;
            /// The key the cache will use for this transaction.
            fn cache_key_get() -> Bytes;
            /// Sets the cache key (a URL), before the cache lookup.
            fn cache_key_set(key: Bytes) -> i32;

            // ---- local response ----
            /// Answers the client with this status and body instead of going to the origin (or instead of
            /// the origin's response, when called later). Takes effect when the hook returns.
            fn respond(status: u32, body: Bytes) -> i32;
            /// Answers the client with this status and the proxy's own error page (or the body
            /// `error_body_set` gave) instead of going to the origin, up to remap (`NotAvailable`
            /// later). Takes effect when the hook returns.
            fn respond_status(status: u32) -> i32;
            /// The body of the proxy's own error response for this transaction, instead of its
            /// error page (`text/html`); `NotAvailable` after send-response.
            fn error_body_set(body: Bytes) -> i32;
            /// Adds a header field to the local response set by `respond`.
            fn respond_header_add(name: Bytes, value: Bytes) -> i32;
            /// Serves a complete raw HTTP/1.x response (status line, headers, body) made by the plugin:
            /// [`Intercept::Client`] answers the client with it; [`Intercept::Server`] stands in for the
            /// origin (read-response hooks and caching apply as to an origin's response).
            /// `NotAvailable` after post-remap (client) or os-dns (server); `InvalidArgument` if the
            /// bytes are not an HTTP response.
            fn intercept(kind: Intercept, response: Bytes) -> i32;

            // ---- per-transaction configuration overrides (by Traffic Server record name) ----
            /// The integer setting.
            fn config_int_get(name: Bytes) -> Value<i64>;
            /// Sets the integer setting for this transaction.
            fn config_int_set(name: Bytes, value: i64) -> i32;
            /// The float setting.
            fn config_float_get(name: Bytes) -> Value<f64>;
            /// Sets the float setting for this transaction.
            fn config_float_set(name: Bytes, value: f64) -> i32;
            /// The string setting.
            fn config_string_get(name: Bytes) -> Bytes;
            /// Sets the string setting for this transaction.
            fn config_string_set(name: Bytes, value: Bytes) -> i32;

            // ---- statistics, shared by all instances of all plugins ----
            /// Creates (or finds, if it exists) a statistic of a [`StatKind`]; returns its id.
            fn stat_create(name: Bytes, kind: StatKind) -> i32;
            /// The id of an existing statistic.
            fn stat_find(name: Bytes) -> i32;
            /// Adds `delta` (may be negative) to a statistic.
            fn stat_add(id: u32, delta: i64) -> i32;
            /// Sets a statistic to `value`, typically a [`StatKind::Gauge`].
            fn stat_set(id: u32, value: i64) -> i32;
            /// The statistic's value.
            fn stat_get(id: u32) -> Value<i64>;

            // ---- the proxy ----
            /// A [`ProxyInfo`] fact as text; `NotFound` if the proxy has no such thing.
            fn proxy_info_get(key: ProxyInfo) -> Bytes;
            /// The proxy's record `name` of a [`RecordType`]: `Int`, `Float` and `Counter` values are
            /// written as 8 little-endian bytes (`i64`, `f64`, `i64`) and return 8; `String` returns its
            /// bytes. `NotFound` if there is no such record of that type.
            fn record_get(kind: RecordType, name: Bytes) -> Bytes;
            /// Attaches configuration file `file` to the proxy's configuration file `parent` (as
            /// `remap.config`): a configuration reload after `file` changed reloads `parent`.
            /// Returns 0; `InvalidArgument` for an empty name or one with NUL.
            fn config_file_add(parent: Bytes, file: Bytes) -> i32;

            // ---- text logs, shared by all instances of all plugins ----
            /// Opens text log `name` in the proxy's log directory, or finds the open one of that
            /// name (whose mode stays): a file name of letters, digits, `_`, `-`, `.`, not starting
            /// with `.`, at most 128 bytes, not one of the proxy's own logs; `.log` is added to a
            /// name without an extension. Returns 0; `LimitReached` when the process has 64 open.
            fn text_log_create(name: Bytes, mode: TextLogMode) -> i32;
            /// Writes `text` (without NUL) as one line to the open text log `name`.
            fn text_log_write(name: Bytes, text: Bytes) -> i32;
            /// Closes the open text log `name`; writes to it are then `NotFound` until it is
            /// created again.
            fn text_log_destroy(name: Bytes) -> i32;
        }
    };
}

/// Flattens a typed argument list into raw wasm parameters and hands them to `$callback!` as
/// `{ctx} [raw params] [raw call arguments] [(name kind raw-names...) ...]`.
///
/// Each step of the recursion names its raw parameters `ptr`, `len` or `raw`: being written by
/// different expansions of this macro, the names are distinct identifiers to the compiler (macro
/// hygiene), so a list with two `Bytes` arguments gets two pairs. The raw call arguments are the
/// guest's encoding of each typed argument, named as the list names it.
#[doc(hidden)]
#[macro_export]
macro_rules! __raw_params {
    ($callback:ident {$($ctx:tt)*} [$($raw:tt)*] [$($call:tt)*] [$($arg:tt)*]) => {
        $callback! { {$($ctx)*} [$($raw)*] [$($call)*] [$($arg)*] }
    };
    ($callback:ident {$($ctx:tt)*} [$($raw:tt)*] [$($call:tt)*] [$($arg:tt)*]
        $name:ident: Bytes $(, $($rest:tt)*)?) => {
        $crate::__raw_params! { $callback {$($ctx)*}
            [$($raw)* ptr: u32, len: u32,]
            [$($call)* $name.as_ptr() as u32, $name.len() as u32,]
            [$($arg)* ($name Bytes ptr len)]
            $($($rest)*)? }
    };
    ($callback:ident {$($ctx:tt)*} [$($raw:tt)*] [$($call:tt)*] [$($arg:tt)*]
        $name:ident: $ty:ident $(, $($rest:tt)*)?) => {
        $crate::__raw_params! { $callback {$($ctx)*}
            [$($raw)* raw: <$ty as $crate::AbiValue>::Raw,]
            [$($call)* $crate::AbiValue::to_abi($name),]
            [$($arg)* ($name $ty raw)]
            $($($rest)*)? }
    };
}
