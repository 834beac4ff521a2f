//! The ABI's enums for the details of a transaction beyond its messages (connection ends, facts,
//! milestones, switches, timeouts), for the proxy's records, and for plugin events.

abi_enum! {
    /// The two ends of the transaction's connections, and the proxy's own end facing the client.
    pub enum Peer: u32 {
        /// The client's address.
        Client = 0 => "client",
        /// The proxy address the client connected to (Traffic Server's incoming address).
        Incoming = 1 => "incoming",
        /// The origin server's address, once resolved ([`crate::Hook::OsDns`] on) or set by a
        /// plugin.
        Server = 2 => "server",
        /// The next hop's address (the origin, or a parent proxy), once resolved
        /// ([`crate::Hook::OsDns`] on).
        NextHop = 3 => "next-hop",
        /// The proxy's own end of the origin connection, once connected
        /// ([`crate::Hook::SendRequest`] on).
        Outgoing = 4 => "outgoing",
    }
}

abi_enum! {
    /// Per-transaction switches, with Traffic Server's `TSHttpCntlType` numbering.
    pub enum TxnControl: u32 {
        /// The transaction is logged (on by default).
        Logging = 0 => "logging",
        /// Retry when a plugin's intercept fails.
        InterceptRetry = 1 => "intercept-retry",
        /// Treat the response as cacheable whatever its headers say.
        ResponseCacheable = 2 => "response-cacheable",
        /// Treat the request as cacheable whatever its headers say.
        RequestCacheable = 3 => "request-cacheable",
        /// Do not store the origin's response in the cache.
        ServerNoStore = 4 => "server-no-store",
        /// Debug output for this transaction only.
        Debug = 5 => "debug",
        /// Leave the request's URL alone: no remap rule applies.
        SkipRemapping = 6 => "skip-remapping",
    }
}

abi_enum! {
    /// The transaction's timeouts a plugin may shorten or extend.
    pub enum Timeout: u32 {
        /// The whole transaction.
        Active = 0 => "active",
        /// Connecting to the origin.
        Connect = 1 => "connect",
        /// Resolving the origin's name.
        Dns = 2 => "dns",
        /// Silence on a connection.
        NoActivity = 3 => "no-activity",
    }
}

abi_enum! {
    /// Numbers describing a transaction (tslua's `ssn_id`, `is_internal_request`, ...).
    pub enum TxnFact: u32 {
        /// The id of the client session (connection) the transaction belongs to.
        SessionId = 0 => "session-id",
        /// 1 if the request came from inside the proxy (a plugin's fetch), else 0.
        Internal = 1 => "internal",
        /// 1 if the client or the origin went away before the transaction finished, else 0.
        Aborted = 2 => "aborted",
        /// 1 if the proxy may cache the origin's response, else 0 (from [`crate::Hook::ReadResponse`] on).
        Cacheable = 3 => "cacheable",
        /// The freshness lifetime of the origin's response in seconds, from its headers; -1 if they
        /// give none (from [`crate::Hook::ReadResponse`] on).
        MaxAge = 4 => "max-age",
        /// Transactions the origin connection served before this one (0 on a new connection).
        ServerTransactionCount = 5 => "server-transaction-count",
        /// Transactions on the client session so far, this one included.
        SessionTransactionCount = 6 => "session-transaction-count",
        /// 1 if the request asks for a WebSocket upgrade, else 0.
        Websocket = 7 => "websocket",
        /// The origin connection's state, with Traffic Server's `TSServerState` numbering (0 before
        /// the origin was contacted).
        ServerState = 8 => "server-state",
        /// Bytes of the client request's header as received (request line and blank line included).
        ClientRequestHeaderBytes = 9 => "client-request-header-bytes",
        /// Bytes of the client request's body received so far.
        ClientRequestBodyBytes = 10 => "client-request-body-bytes",
        /// Bytes of the request header sent to the origin (0 before it was sent).
        ServerRequestHeaderBytes = 11 => "server-request-header-bytes",
        /// Bytes of the request body sent to the origin.
        ServerRequestBodyBytes = 12 => "server-request-body-bytes",
        /// The protocol error class the client connection received (HTTP/2's, say); 0 for none.
        ClientReceivedErrorClass = 13 => "client-received-error-class",
        /// Its code.
        ClientReceivedErrorCode = 14 => "client-received-error-code",
        /// The protocol error class sent to the client; 0 for none.
        ClientSentErrorClass = 15 => "client-sent-error-class",
        /// Its code.
        ClientSentErrorCode = 16 => "client-sent-error-code",
        /// The protocol error class the origin connection received; 0 for none.
        ServerReceivedErrorClass = 17 => "server-received-error-class",
        /// Its code.
        ServerReceivedErrorCode = 18 => "server-received-error-code",
        /// The protocol error class sent to the origin; 0 for none.
        ServerSentErrorClass = 19 => "server-sent-error-class",
        /// Its code.
        ServerSentErrorCode = 20 => "server-sent-error-code",
        /// 1 if the cached object was served from RAM (Traffic Server's `TS_TXN_INFO_*` facts).
        CacheHitRam = 21 => "cache-hit-ram",
        /// 1 if it was compressed in RAM.
        CacheCompressedInRam = 22 => "cache-compressed-in-ram",
        /// 1 if the read happened while another transaction was writing the object.
        CacheHitRww = 23 => "cache-hit-rww",
        /// Attempts to open the cache for reading (1 from the cache lookup on).
        CacheOpenReadTries = 24 => "cache-open-read-tries",
        /// Attempts to open the cache for writing (1 once a miss opened it).
        CacheOpenWriteTries = 25 => "cache-open-write-tries",
        /// The cache volume written to; `NotAvailable` before the cache is open for writing.
        CacheVolume = 26 => "cache-volume",
        /// 1 if the client connection's TLS session was resumed, 0 if not or without TLS.
        ClientTlsReused = 27 => "client-tls-reused",
        /// The next hop's port; -1 before it is resolved ([`crate::Hook::OsDns`] on).
        NextHopPort = 28 => "next-hop-port",
        /// The proxy's file descriptor of the client connection; `NotAvailable` once it closed.
        ClientFd = 29 => "client-fd",
        /// The proxy's file descriptor of the origin connection; `NotAvailable` before it opened.
        ServerFd = 30 => "server-fd",
        /// The port of the parent proxy a plugin set for this transaction; -1 for none.
        ParentProxyPort = 31 => "parent-proxy-port",
    }
}

abi_enum! {
    /// Text describing a transaction; `NotFound` where the transaction has none, and for the
    /// client's TLS facts `NotAvailable` when its connection is not TLS.
    pub enum TxnText: u32 {
        /// The tag of the plugin that made an internal request (none for a client's request).
        PluginTag = 0 => "plugin-tag",
        /// The next hop's host name (the origin's as the URL names it, or a parent proxy's), once
        /// resolved ([`crate::Hook::OsDns`] on).
        NextHopName = 1 => "next-hop-name",
        /// The client connection's TLS protocol version, e.g. `TLSv1.3`.
        ClientTlsProtocol = 2 => "client-tls-protocol",
        /// The client connection's TLS cipher, e.g. `TLS_AES_256_GCM_SHA384`.
        ClientTlsCipher = 3 => "client-tls-cipher",
        /// The client connection's TLS key-exchange group, e.g. `X25519` (none on a resumed session).
        ClientTlsCurve = 4 => "client-tls-curve",
        /// The host of the parent proxy a plugin set for this transaction.
        ParentProxyName = 5 => "parent-proxy-name",
        /// The URL parent selection uses for this transaction, once a plugin set one.
        ParentSelectionUrl = 6 => "parent-selection-url",
    }
}

abi_enum! {
    /// Options of the transaction's two sockets (Traffic Server's `TSHttpTxn*Packet*Set`).
    pub enum SocketOption: u32 {
        /// The client connection's packet mark (`SO_MARK`).
        ClientMark = 0 => "client-mark",
        /// The client connection's type of service byte (`IP_TOS`).
        ClientTos = 1 => "client-tos",
        /// The client connection's DSCP (the type of service byte's upper six bits).
        ClientDscp = 2 => "client-dscp",
        /// The origin connection's packet mark.
        ServerMark = 3 => "server-mark",
        /// The origin connection's type of service byte.
        ServerTos = 4 => "server-tos",
        /// The origin connection's DSCP.
        ServerDscp = 5 => "server-dscp",
    }
}

abi_enum! {
    /// Points in a transaction's life the proxy timestamps, with Traffic Server's `TS_MILESTONE_*`
    /// numbering.
    pub enum Milestone: u32 {
        /// The client connection was accepted.
        UaBegin = 0 => "ua-begin",
        /// The first bytes of the request arrived.
        UaFirstRead = 1 => "ua-first-read",
        /// The request header was read.
        UaReadHeaderDone = 2 => "ua-read-header-done",
        /// The response began to be written to the client.
        UaBeginWrite = 3 => "ua-begin-write",
        /// The client connection closed.
        UaClose = 4 => "ua-close",
        /// The first connection attempt to the origin.
        ServerFirstConnect = 5 => "server-first-connect",
        /// The last connection attempt to the origin.
        ServerConnect = 6 => "server-connect",
        /// The connection to the origin was established.
        ServerConnectEnd = 7 => "server-connect-end",
        /// The request began to be written to the origin.
        ServerBeginWrite = 8 => "server-begin-write",
        /// The first bytes of the origin's response arrived.
        ServerFirstRead = 9 => "server-first-read",
        /// The origin's response header was read.
        ServerReadHeaderDone = 10 => "server-read-header-done",
        /// The origin connection closed.
        ServerClose = 11 => "server-close",
        /// The cache read began.
        CacheOpenReadBegin = 12 => "cache-open-read-begin",
        /// The cache read ended.
        CacheOpenReadEnd = 13 => "cache-open-read-end",
        /// The cache write began.
        CacheOpenWriteBegin = 14 => "cache-open-write-begin",
        /// The cache write ended.
        CacheOpenWriteEnd = 15 => "cache-open-write-end",
        /// The DNS lookup began.
        DnsLookupBegin = 16 => "dns-lookup-begin",
        /// The DNS lookup ended.
        DnsLookupEnd = 17 => "dns-lookup-end",
        /// The transaction's state machine started.
        SmStart = 18 => "sm-start",
        /// The transaction's state machine finished.
        SmFinish = 19 => "sm-finish",
        /// Time spent in plugins, active (a duration, not a timestamp).
        PluginActive = 20 => "plugin-active",
        /// Time spent in plugins, total (a duration, not a timestamp).
        PluginTotal = 21 => "plugin-total",
        /// The TLS handshake with the client began.
        TlsHandshakeStart = 22 => "tls-handshake-start",
        /// The TLS handshake with the client ended.
        TlsHandshakeEnd = 23 => "tls-handshake-end",
    }
}

abi_enum! {
    /// The types of the proxy's configuration and statistics records (tslua's `ts.mgmt.get_*`).
    pub enum RecordType: u32 {
        /// An integer setting.
        Int = 0 => "int",
        /// A floating-point setting.
        Float = 1 => "float",
        /// A string setting.
        String = 2 => "string",
        /// A counter statistic.
        Counter = 3 => "counter",
    }
}

abi_enum! {
    /// How the proxy loaded a plugin.
    pub enum PluginRole: u32 {
        /// For every transaction (a plugin.config line).
        Global = 0 => "global",
        /// For the transactions of one remap rule (a remap.config line).
        Remap = 1 => "remap",
    }
}

abi_enum! {
    /// Events in a plugin's life, delivered through [`crate::export::ON_EVENT`].
    pub enum PluginEvent: u32 {
        /// The plugin is being unloaded (tslua's `__clean__`): the instance will not run again.
        Unload = 0 => "unload",
        /// The plugin's file is being reloaded (tslua's `__reload__`): the instance is about to be
        /// replaced by one of the new version, after its transactions finish.
        Reload = 1 => "reload",
    }
}
