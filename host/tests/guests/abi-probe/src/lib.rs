//! Exercises every ABI v1 function and reports what it saw as `X-Probe-*` headers: observations made
//! on the request side go onto the client request (so they reach the origin), the rest onto the
//! client response. The host's tests compare them with what the request fixture says.

use tswasm_guest_sdk::env::{self, Record, Stat};
use tswasm_guest_sdk::{
    register, Action, CacheStatus, Error, Fields, Hook, LogLevel, Milestone, Peer, Plugin,
    PluginEvent, RecordType, RemapStatus, RemapUrl, SocketOption, StatKind, Timeout, Txn,
    TxnControl, TxnFact, TxnText, UrlPart,
};

#[derive(Default)]
pub struct Probe {
    requests: Option<Stat>,
    open: Option<Stat>,
}

fn show<T: ToString>(result: Result<T, Error>) -> String {
    match result {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {}", e.name()),
    }
}

/// Findings of a transaction's earlier hooks, reported at send-response.
type Pending = Vec<(String, String)>;

fn note(txn: &mut Txn<Pending>, name: &str, value: String) {
    txn.state().push((name.to_string(), value));
}

impl Plugin for Probe {
    type TxnState = Pending;
    const HOOKS: &'static [Hook] = &[
        Hook::TxnStart,
        Hook::ReadRequest,
        Hook::Remap,
        Hook::CacheLookupComplete,
        Hook::ReadResponse,
        Hook::SendResponse,
    ];

    fn new() -> Result<Self, String> {
        Ok(Probe {
            requests: Some(
                Stat::create("probe.requests", StatKind::Counter).map_err(|e| e.to_string())?,
            ),
            open: Some(Stat::create("probe.open", StatKind::Gauge).map_err(|e| e.to_string())?),
        })
    }

    fn on_txn_start(&mut self, txn: &mut Txn<Pending>) -> Action {
        let early = show(txn.client_request().method());
        note(txn, "X-Probe-Txn-Start-Method", early);
        if let Some(open) = self.open {
            let _ = open.increment(1);
        }
        Action::Continue
    }

    fn on_read_request(&mut self, txn: &mut Txn<Pending>) -> Action {
        let req = txn.client_request();
        let mut out: Vec<(&str, String)> = vec![
            ("X-Probe-Method", show(req.method())),
            ("X-Probe-Url", show(req.url())),
            ("X-Probe-Scheme", show(req.url_part(UrlPart::Scheme))),
            ("X-Probe-Host", show(req.host())),
            (
                "X-Probe-Port",
                show(
                    req.port()
                        .map(|p| p.map_or("none".into(), |p| p.to_string())),
                ),
            ),
            ("X-Probe-Path", show(req.path())),
            ("X-Probe-Query", show(req.query())),
            (
                "X-Probe-Accept-Count",
                req.header_count("accept").to_string(),
            ),
            ("X-Probe-Accept-All", req.header_all("ACCEPT").join("|")),
            ("X-Probe-Missing", show(req.header_at("X-None", 0))),
            ("X-Probe-Second-Missing", show(req.header_at("Accept", 2))),
            (
                "X-Probe-Server-Response",
                show(txn.server_response().status()),
            ),
            (
                "X-Probe-Cache-Early",
                show(txn.cache_status().map(|s| s.name())),
            ),
            ("X-Probe-Client", show(txn.peer(Peer::Client))),
            ("X-Probe-Incoming", show(txn.peer(Peer::Incoming))),
            ("X-Probe-Server-Early", show(txn.peer(Peer::Server))),
            (
                "X-Probe-Texts-Early",
                [
                    TxnText::PluginTag,
                    TxnText::NextHopName,
                    TxnText::ClientTlsCipher,
                ]
                .map(|t| show(txn.text(t)))
                .join(","),
            ),
            (
                "X-Probe-Protocols",
                show(txn.protocols().map(|p| p.join(","))),
            ),
            (
                "X-Probe-Pristine",
                show(txn.remap_url(RemapUrl::Pristine, UrlPart::Url)),
            ),
            (
                "X-Probe-Facts",
                [TxnFact::SessionId, TxnFact::Internal, TxnFact::Aborted]
                    .map(|f| show(txn.fact(f)))
                    .join(","),
            ),
            (
                "X-Probe-Cacheable-Early",
                show(txn.fact(TxnFact::Cacheable)),
            ),
            (
                "X-Probe-Milestones",
                format!(
                    "{},{},{}",
                    show(
                        txn.milestone(Milestone::UaBegin)
                            .map(|t| t > 1_600_000_000_000_000_000)
                    ),
                    show(txn.milestone(Milestone::ServerConnect)),
                    show(txn.milestone(Milestone::UaBegin).and_then(|begin| {
                        txn.milestone(Milestone::UaReadHeaderDone)
                            .map(|done| done >= begin)
                    })),
                ),
            ),
            (
                "X-Probe-Controls",
                format!(
                    "{},{},{}",
                    show(txn.control(TxnControl::Logging)),
                    show(txn.control(TxnControl::ServerNoStore)),
                    show(
                        txn.set_control(TxnControl::ServerNoStore, true)
                            .and_then(|()| txn.control(TxnControl::ServerNoStore))
                    ),
                ),
            ),
            (
                "X-Probe-Timeout",
                show(txn.set_timeout(Timeout::Active, 30_000).map(|()| "ok")),
            ),
            (
                "X-Probe-Bad-Redirect",
                show(txn.set_redirect_url("not a url").map(|()| "set")),
            ),
            (
                "X-Probe-Records",
                format!(
                    "{},{},{}",
                    show(
                        env::record(RecordType::Int, "proxy.config.http.cache.http").map(
                            |r| match r {
                                Record::Int(v) => v.to_string(),
                                other => format!("{other:?}"),
                            }
                        )
                    ),
                    show(
                        env::record(RecordType::String, "proxy.config.http.cache.http")
                            .map(|_| "found")
                    ),
                    show(env::record(RecordType::Counter, "probe.requests").map(|_| "found")),
                ),
            ),
            ("X-Probe-Args", env::args().join(",")),
            (
                "X-Probe-Time-Sane",
                (env::now_ns() > 1_600_000_000_000_000_000).to_string(),
            ),
            (
                "X-Probe-Debug-Enabled",
                env::log_enabled(LogLevel::Debug, "probe").to_string(),
            ),
            ("X-Probe-Txn-Id", txn.id().to_string()),
        ];
        let block = req.header_block().unwrap_or_default();
        out.push((
            "X-Probe-Header-Block",
            String::from_utf8_lossy(&block).replace("\r\n", "|"),
        ));
        let fields = req.headers().unwrap_or_default();
        out.push((
            "X-Probe-Field-Names",
            fields
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ));

        // Configuration overrides: round trips, a wrong type, an unknown name.
        let cfg = "proxy.config.http.cache.http";
        out.push((
            "X-Probe-Config-Int",
            format!("{}->{}", show(txn.config_int(cfg)), {
                let _ = txn.set_config_int(cfg, 0);
                show(txn.config_int(cfg))
            }),
        ));
        // Caching back on: the cache lookup (and its status) is probed later.
        let _ = txn.set_config_int(cfg, 1);
        let _ = txn.set_config_float("proxy.config.http.cache.heuristic_lm_factor", 0.5);
        out.push((
            "X-Probe-Config-Float",
            show(txn.config_float("proxy.config.http.cache.heuristic_lm_factor")),
        ));
        let _ = txn.set_config_string("proxy.config.http.response_server_str", "probe/1");
        out.push((
            "X-Probe-Config-String",
            show(txn.config_string("proxy.config.http.response_server_str")),
        ));
        out.push(("X-Probe-Config-Wrong-Type", show(txn.config_float(cfg))));
        out.push((
            "X-Probe-Config-Unknown",
            show(txn.set_config_int("no.such.record", 1).map(|()| "set")),
        ));

        // Hook registration: ahead or the running hook is fine, passed or remap is refused.
        out.push((
            "X-Probe-Add-Running",
            show(txn.add_hook(Hook::ReadRequest).map(|()| "ok")),
        ));
        out.push((
            "X-Probe-Add-Send-Request",
            show(txn.add_hook(Hook::SendRequest).map(|()| "ok")),
        ));
        out.push((
            "X-Probe-Add-Txn-Start",
            show(txn.add_hook(Hook::TxnStart).map(|()| "ok")),
        ));
        out.push((
            "X-Probe-Add-Remap",
            show(txn.add_hook(Hook::Remap).map(|()| "ok")),
        ));

        out.push(("X-Probe-Default-Cache-Key", show(txn.cache_key())));
        if let Some(stat) = self.requests {
            let _ = stat.increment(1);
            out.push((
                "X-Probe-Stat-Find",
                show(Stat::find("probe.requests").map(|s| (s == stat).to_string())),
            ));
            out.push((
                "X-Probe-Stat-Missing",
                show(Stat::find("probe.nothing").map(|_| "found")),
            ));
        }

        // Edits the origin must see.
        let _ = req.remove_header("X-Remove-Me");
        let _ = req.set_header("X-Set", "one");
        let _ = req.append_header("X-Appended", "1");
        let _ = req.append_header("X-Appended", "2");
        out.push((
            "X-Probe-Bad-Name",
            show(req.set_header("Bad Name", "v").map(|()| "set")),
        ));
        out.push((
            "X-Probe-Bad-Value",
            show(req.set_header("X-Ok", "a\r\nInjected: 1").map(|()| "set")),
        ));
        if let Some(method) = req.header("X-Probe-Set-Method") {
            let _ = req.set_method(&method);
        }
        if req.query().unwrap_or_default().contains("rewrite=1") {
            let _ = req.set_path("rewritten/path");
            let _ = req.set_query("");
            let _ = txn.set_cache_key("probe-key");
        }
        if req.query().unwrap_or_default().contains("redirect=1") {
            let _ = txn.set_redirect_url("http://127.0.0.1:8099/moved/here");
        }
        if env::args().iter().any(|a| a == "skip-remap") {
            let _ = txn.set_control(TxnControl::SkipRemapping, true);
        }
        if req.path().unwrap_or_default().starts_with("deny") {
            let _ = txn.respond(451, b"blocked by probe\n");
            let _ = txn.respond_header("X-Probe-Local", "yes");
        }
        out.push((
            "X-Probe-Respond-Header-Early",
            show(txn.respond_header("X", "y").map(|()| "ok")),
        ));
        // The sandbox: files only inside granted directories, never writable.
        for arg in env::args() {
            if let Some(path) = arg.strip_prefix("read=") {
                let read = std::fs::read_to_string(path).map(|s| s.trim().to_string());
                out.push((
                    "X-Probe-File",
                    read.unwrap_or_else(|e| format!("error: {:?}", e.kind())),
                ));
                let write =
                    std::fs::write(format!("{path}.new"), "x").map(|()| "written".to_string());
                out.push((
                    "X-Probe-File-Write",
                    write.unwrap_or_else(|e| format!("error: {:?}", e.kind())),
                ));
            }
        }
        for (name, value) in out {
            let _ = req.set_header(name, &value);
        }
        Action::Continue
    }

    fn on_remap(&mut self, txn: &mut Txn<Pending>) -> RemapStatus {
        let from = show(txn.remap_url(RemapUrl::From, UrlPart::Url));
        let to = show(txn.remap_url(RemapUrl::To, UrlPart::Url));
        note(txn, "X-Probe-Remap", format!("{from} -> {to}"));
        if env::args().iter().any(|a| a == "remap-did") {
            let _ = txn.client_request().set_host("did.example");
            return RemapStatus::DidRemap;
        }
        RemapStatus::NoRemap
    }

    fn on_send_request(&mut self, txn: &mut Txn<Pending>) -> Action {
        let req = txn.server_request();
        let _ = req.set_header("X-Probe-Send-Request", &show(req.host()));
        Action::Continue
    }

    fn on_cache_lookup_complete(&mut self, txn: &mut Txn<Pending>) -> Action {
        let seen = show(txn.cache_status().map(|s| s.name()));
        let set = show(txn.set_cache_status(CacheStatus::Miss).map(|()| "ok"));
        note(txn, "X-Probe-Cache-Status", format!("{seen}, set: {set}"));
        note(
            txn,
            "X-Probe-Late-Cache-Key",
            show(txn.set_cache_key("late").map(|()| "ok")),
        );
        // The connection controls, refused where they name nothing or come too late.
        let ok = |r: Result<(), Error>| show(r.map(|()| "ok"));
        let loopback = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let routing = [
            ok(txn.set_parent_proxy("parent.example", 8081)),
            show(txn.text(TxnText::ParentProxyName)),
            show(txn.fact(TxnFact::ParentProxyPort)),
            ok(txn.set_parent_selection_url(b"/relative")),
            ok(txn.set_parent_selection_url(b"http://parent.example/p")),
            show(txn.text(TxnText::ParentSelectionUrl)),
            ok(txn.set_socket_option(SocketOption::ClientTos, 0x38)),
            ok(txn.set_addr(Peer::Client, loopback(80))),
            ok(txn.set_addr(Peer::Server, loopback(0))),
            ok(txn.set_parent_proxy("parent.example", 0)),
            ok(txn.set_addr(Peer::Outgoing, "127.0.0.2:0".parse().unwrap())),
        ];
        note(txn, "X-Probe-Routing", routing.join(","));
        let late = [
            ok(txn.respond_status(403)),
            ok(txn.set_error_body(b"unused")),
        ];
        note(txn, "X-Probe-Late-Status", late.join(","));
        Action::Continue
    }

    fn on_read_response(&mut self, txn: &mut Txn<Pending>) -> Action {
        let resp = txn.server_response();
        let seen = format!("{} {}", show(resp.status()), show(resp.reason()));
        note(txn, "X-Probe-Origin-Status", seen);
        let cache = format!(
            "{},{}",
            show(txn.fact(TxnFact::Cacheable)),
            show(txn.fact(TxnFact::MaxAge))
        );
        note(txn, "X-Probe-Cacheable", cache);
        note(txn, "X-Probe-Server", show(txn.peer(Peer::Server)));
        let next_hop = format!(
            "{},{},{}",
            show(txn.peer(Peer::NextHop)),
            show(txn.text(TxnText::NextHopName)),
            show(txn.fact(TxnFact::NextHopPort))
        );
        note(txn, "X-Probe-Next-Hop", next_hop);
        let outgoing = txn.peer(Peer::Outgoing).map(|addr| addr.ip());
        note(txn, "X-Probe-Outgoing", show(outgoing));
        note(
            txn,
            "X-Probe-Late-Addr",
            show(
                txn.set_addr(Peer::Server, "127.0.0.1:80".parse().unwrap())
                    .map(|()| "ok"),
            ),
        );
        if resp.header("X-Probe-Set-Status").is_some() {
            let _ = resp.set_status(203);
            let _ = resp.set_reason("Probed");
        }
        note(
            txn,
            "X-Probe-Bad-Status",
            show(resp.set_status(42).map(|()| "set")),
        );
        Action::Continue
    }

    fn on_send_response(&mut self, txn: &mut Txn<Pending>) -> Action {
        let resp = txn.client_response();
        let cached = show(txn.cached_response().set_header("X", "y").map(|()| "set"));
        let _ = resp.set_header("X-Probe-Cached-Write", &cached);
        let _ = resp.set_header("X-Probe-Final-Cache-Key", &show(txn.cache_key()));
        if let Some(stat) = self.requests {
            let _ = resp.set_header("X-Probe-Stat", &show(stat.get()));
        }
        for (name, value) in txn.kept().cloned().unwrap_or_default() {
            let _ = resp.append_header(&name, &value);
        }
        Action::Continue
    }

    fn on_txn_close(&mut self, _txn: &mut Txn<Pending>) {
        if let Some(open) = self.open {
            let _ = open.increment(-1);
        }
    }

    fn on_event(&mut self, event: PluginEvent) {
        let name = format!("probe.event.{event}");
        if let Ok(stat) = Stat::create(&name, StatKind::Counter) {
            let _ = stat.increment(1);
        }
    }
}

register!(Probe);
