//! Walks a [`SimTxn`] through a proxy's hooks, calling the attached plugins as Traffic Server would:
//! txn start → read request → pre-remap → remap → post-remap → (hit) read-cache → cache lookup
//! complete → (miss) os-dns → send request → origin → read response → send response → txn close.
//!
//! A plugin may turn remapping off for the transaction (skip-remapping), and may ask for a redirect:
//! the origin is then asked for the redirect URL and its answer is the one read-response sees.
//! Milestones are stamped as the walk passes them.
//!
//! A hook that returns "error" (or a fault under fail-closed) ends the request side: the client gets
//! Traffic Server's bare answer to a failed transaction (the error status and body a plugin set,
//! else `500 INKApi Error`; made again if a send-response hook fails it again). A response a plugin
//! sets up to remap is what the client gets, and the origin is not contacted; one set after remap
//! fails the hook that set it (as tswasm.so does). A failed remap hook gets tswasm's own 500 page.

use std::time::{Duration, Instant};

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tswasm_abi::{Hook, HookSet, Milestone, ProxyInfo, RemapStatus, Reply, TxnControl};

use super::error_page;
use super::forwarding::{
    add_forwarding_fields, prepare_client_response, prepare_local_response, ResponseSettings,
};
use super::txn::{fill_from_host_header, SimTxn};
use crate::fault::{FaultKind, ERROR_BODY};
use crate::http::{Request, Response, Url};
use crate::plugin::{Binding, HookCall, HookPhase, Plugin};
use crate::txn::CacheStatus;
use crate::txn::Transaction;

/// How a plugin is attached: to every transaction (plugin.config): it runs its declared hooks on
/// every transaction, never its remap hook; or to a remap rule (remap.config): it runs its remap
/// hook when the rule matches, then its declared hooks after remap.
pub use tswasm_abi::PluginRole as Role;

/// A plugin as one transaction's run sees it: the plugin and how it is attached.
pub struct Attached<'a> {
    /// The loaded plugin.
    pub plugin: &'a Plugin,
    /// Whether it is global or attached to the remap rule.
    pub role: Role,
}

/// One hook call, for `tswasm run`'s trace.
#[derive(Clone, Debug)]
pub struct TraceEntry {
    /// Index into the attached plugins.
    pub plugin: usize,
    /// The hook that ran.
    pub hook: Hook,
    /// Whether it ran as a global hook or one added for the transaction.
    pub phase: HookPhase,
    /// The reply the proxy acted on (the fail policy's, after a fault).
    pub reply: Reply,
    /// The kind of fault, if the hook faulted.
    pub fault: Option<FaultKind>,
    /// Wall-clock time of the call, including any instance rebuild.
    pub elapsed: Duration,
}

/// The origin server: takes the request as the proxy sends it, returns its response.
pub type Origin<'o> = &'o mut dyn FnMut(&Request) -> Response;

/// Runs one transaction. `trace`, when given, receives every hook call in order.
pub fn run(
    plugins: &[Attached<'_>],
    txn: &mut SimTxn,
    origin: Origin<'_>,
    trace: Option<&mut Vec<TraceEntry>>,
) {
    let mut run = Run {
        plugins,
        bindings: plugins.iter().map(|_| None).collect(),
        txn_hooks: Vec::new(),
        trace,
    };
    txn.details.reach(&[
        Milestone::SmStart,
        Milestone::UaBegin,
        Milestone::UaFirstRead,
        Milestone::UaReadHeaderDone,
    ]);
    match run.request_side(txn, origin) {
        Ok(()) => txn.own_response = false,
        Err(Stop::Local) => {
            let response = txn.local_response.take();
            txn.client_response = match txn.own_response {
                true => response.map(|response| finish_local(txn, response)),
                // A client intercept answers as an origin would, through the same changes.
                false => response.map(|mut response| {
                    let settings = response_settings(txn);
                    prepare_client_response(&mut response, &txn.client_request, &settings, now());
                    response
                }),
            };
        }
        Err(Stop::Fail) => {
            let response = failed_response(txn);
            txn.client_response = Some(finish_local(txn, response));
            txn.own_response = true;
        }
    }
    txn.details.reach(&[Milestone::UaBeginWrite]);
    txn.hook = Hook::SendResponse;
    // No local response is taken here: the client response exists, and `respond` changes it.
    if let Flow::Fail = run.hook(txn, Hook::SendResponse) {
        let response = failed_response(txn);
        txn.client_response = Some(finish_local(txn, response));
        txn.own_response = true;
    }
    if let Some(response) = txn.client_response.as_mut().filter(|_| txn.own_response) {
        error_page::attach_body(
            response,
            txn.body_type.as_deref(),
            &txn.client_request.method,
        );
    }
    txn.details
        .reach(&[Milestone::UaClose, Milestone::SmFinish]);
    run.close(txn);
}

enum Flow {
    Continue,
    Fail,
}

enum Stop {
    Local,
    Fail,
}

struct Run<'p, 'a, 't> {
    plugins: &'p [Attached<'a>],
    bindings: Vec<Option<Binding>>,
    /// The hooks added for the transaction, with the plugin each is for, in the order added.
    txn_hooks: Vec<(Hook, usize)>,
    trace: Option<&'t mut Vec<TraceEntry>>,
}

impl Run<'_, '_, '_> {
    fn request_side(&mut self, txn: &mut SimTxn, origin: Origin<'_>) -> Result<(), Stop> {
        for hook in [Hook::TxnStart, Hook::ReadRequest, Hook::PreRemap] {
            self.step(txn, hook)?;
        }
        if !txn.details.control(TxnControl::SkipRemapping) {
            self.remap(txn)?;
        }
        self.step(txn, Hook::PostRemap)?;

        // A transaction with caching off (`proxy.config.http.cache.http` 0) skips the lookup.
        let cache_on = !txn
            .config_int_get("proxy.config.http.cache.http")
            .is_ok_and(|v| v == 0);
        let hit = cache_on && txn.cached_response.is_some();
        if cache_on {
            txn.details
                .reach(&[Milestone::CacheOpenReadBegin, Milestone::CacheOpenReadEnd]);
        }
        if hit {
            self.step(txn, Hook::ReadCache)?;
        }
        txn.cache_status = Some(match (cache_on, hit) {
            (false, _) => CacheStatus::Skipped,
            (true, true) => CacheStatus::HitFresh,
            (true, false) => CacheStatus::Miss,
        });
        self.step(txn, Hook::CacheLookupComplete)?;
        if txn.cache_status == Some(CacheStatus::HitFresh) && hit {
            let mut response = txn.cached_response.clone().expect("a hit");
            let settings = response_settings(txn);
            prepare_client_response(&mut response, &txn.client_request, &settings, now());
            txn.client_response = Some(response);
            return Ok(());
        }
        // A miss opens the cache for writing before the origin is asked (Traffic Server's
        // TS_TXN_INFO_CACHE_OPEN_WRITE_TRIES and _VOLUME show it from then on).
        txn.details.cache_write_opened = txn.cache_status == Some(CacheStatus::Miss);

        txn.details.reach(&[Milestone::DnsLookupBegin]);
        // The origin is resolved before os-dns runs (Traffic Server's hook follows the lookup),
        // and connected to after it; an address a plugin set is used as it is, with no lookup
        // and no os-dns.
        let mut origin_url = txn.client_request.url.clone();
        fill_from_host_header(&mut origin_url, &txn.client_request.headers);
        let set_by_plugin = txn
            .details
            .server_addr
            .filter(|_| txn.details.origin_addr_set);
        let addr = set_by_plugin.unwrap_or_else(|| server_addr(&origin_url));
        txn.details.resolve(&origin_url.host, addr);
        if set_by_plugin.is_none() {
            // A plugin may still set the origin's address here (the next hop follows it).
            self.step(txn, Hook::OsDns)?;
        }
        let request = self.server_request(txn);
        txn.details.connect();
        txn.details.reach(&[
            Milestone::DnsLookupEnd,
            Milestone::ServerFirstConnect,
            Milestone::ServerConnect,
            Milestone::ServerConnectEnd,
        ]);
        txn.server_request = Some(request);
        self.step(txn, Hook::SendRequest)?;
        txn.details.reach(&[Milestone::ServerBeginWrite]);
        // A server intercept stands in for the origin, which is then not contacted.
        let mut response = match txn.server_intercept.take() {
            Some(response) => response,
            None => origin(txn.server_request.as_ref().expect("set above")),
        };
        if let Some(url) = txn.details.redirect_url.take() {
            response = self.follow_redirect(txn, &url, origin);
        }
        txn.details.reach(&[
            Milestone::ServerFirstRead,
            Milestone::ServerReadHeaderDone,
            Milestone::ServerClose,
        ]);
        txn.server_response = Some(response);
        self.step(txn, Hook::ReadResponse)?;
        let mut response = txn.server_response.clone().expect("set above");
        let settings = response_settings(txn);
        prepare_client_response(&mut response, &txn.client_request, &settings, now());
        txn.client_response = Some(response);
        Ok(())
    }

    /// Runs a hook and turns its outcome into "go on" or "stop the request side".
    fn step(&mut self, txn: &mut SimTxn, hook: Hook) -> Result<(), Stop> {
        txn.hook = hook;
        match self.hook(txn, hook) {
            Flow::Fail => Err(Stop::Fail),
            Flow::Continue if txn.local_response.is_some() => Err(Stop::Local),
            Flow::Continue => Ok(()),
        }
    }

    /// Runs one hook as Traffic Server does: every global plugin that declared it, in load order,
    /// then the hooks added for the transaction, in the order they were added (one added here,
    /// meanwhile, runs too).
    fn hook(&mut self, txn: &mut SimTxn, hook: Hook) -> Flow {
        for index in 0..self.plugins.len() {
            let attached = &self.plugins[index];
            let global = attached.role == Role::Global
                && hook != Hook::Remap
                && attached.plugin.declared_hooks().contains(hook);
            if global {
                if let Flow::Fail = self.call_at(index, txn, hook, HookPhase::Global) {
                    return Flow::Fail;
                }
            }
        }
        let mut next = 0;
        while let Some(&(added, index)) = self.txn_hooks.get(next) {
            next += 1;
            if added == hook {
                if let Flow::Fail = self.call_at(index, txn, hook, HookPhase::Txn) {
                    return Flow::Fail;
                }
            }
        }
        Flow::Continue
    }

    /// Calls one plugin at a hook of the transaction's lifecycle.
    fn call_at(&mut self, index: usize, txn: &mut SimTxn, hook: Hook, phase: HookPhase) -> Flow {
        if self.call(index, txn, hook, phase).fails_transaction() {
            return Flow::Fail;
        }
        // After remap a response of the proxy's own is sent only as the transaction fails:
        // tswasm.so fails the hook that set it (which Traffic Server honours), so the plugins
        // after it at this hook do not run.
        let responded = txn.own_response && txn.local_response.is_some();
        match responded && hook.raw() > Hook::Remap.raw() {
            true => Flow::Fail,
            false => Flow::Continue,
        }
    }

    /// Adds `hook` for the transaction, for the plugin at `index`, unless it already was (txn-close
    /// is every plugin's at the end, whatever was added).
    fn add_txn_hook(&mut self, index: usize, hook: Hook) {
        let entry = (hook, index);
        if hook != Hook::TxnClose && !self.txn_hooks.contains(&entry) {
            self.txn_hooks.push(entry);
        }
    }

    /// Traffic Server 9.2 maps the URL by the rule first, then runs the rule's plugins on the mapped
    /// URL (the pristine URL keeps the original); their status only says whether they changed it.
    fn remap(&mut self, txn: &mut SimTxn) -> Result<(), Stop> {
        let Some(rule) = txn.remap.clone() else {
            return Ok(());
        };
        txn.hook = Hook::Remap;
        fill_from_host_header(&mut txn.client_request.url, &txn.client_request.headers);
        rule.apply(&mut txn.client_request.url);
        for index in 0..self.plugins.len() {
            let attached = &self.plugins[index];
            if attached.role != Role::Remap {
                continue;
            }
            // The rule's plugin runs its declared hooks after remap for this transaction: added
            // as it is called, as tswasm.so adds them.
            let declared = attached.plugin.declared_hooks();
            for hook in declared.iter().filter(|hook| hook.follows_remap()) {
                self.add_txn_hook(index, hook);
            }
            if !declared.contains(Hook::Remap) {
                continue;
            }
            match self.call(index, txn, Hook::Remap, HookPhase::Global) {
                Reply::Remap(RemapStatus::DidRemap | RemapStatus::NoRemap) => {}
                Reply::Remap(RemapStatus::DidRemapStop | RemapStatus::NoRemapStop) => break,
                // tswasm.so answers a failed remap with a 500 of its own, unless one was set.
                Reply::Remap(RemapStatus::Error) | Reply::Action(_) => {
                    if txn.local_response.is_none() || !txn.own_response {
                        txn.local_response = Some(error_page::response(500, Some(ERROR_BODY)));
                        txn.own_response = true;
                    }
                    return Err(Stop::Local);
                }
            }
        }
        if txn.local_response.is_some() {
            return Err(Stop::Local);
        }
        // Once the rule's plugins are done, the Host header names the mapped server (Traffic
        // Server's default, pristine_host_hdr 0): later hooks see it, and may change it again.
        let url = &txn.client_request.url;
        let host = match url.port {
            Some(port) => format!("{}:{port}", url.host),
            None => url.host.clone(),
        };
        txn.client_request.headers.set(b"Host", host.as_bytes());
        Ok(())
    }

    /// The request as it leaves for the origin: the client request as the hooks left it, with
    /// what Traffic Server adds.
    fn server_request(&self, txn: &SimTxn) -> Request {
        let mut request = txn.client_request.clone();
        fill_from_host_header(&mut request.url, &request.headers);
        let uuid = self
            .plugins
            .first()
            .and_then(|attached| attached.plugin.proxy_info(ProxyInfo::ProcessUuid))
            .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".into());
        add_forwarding_fields(&mut request, txn.details.client_addr.ip(), &uuid);
        request
    }

    /// Asks the origin for the redirect URL a plugin set, as the request to the origin now is.
    fn follow_redirect(&self, txn: &mut SimTxn, url: &str, origin: Origin<'_>) -> Response {
        let request = txn
            .server_request
            .as_mut()
            .expect("set before send-request");
        if let Ok(url) = Url::parse(url) {
            let host = match url.port {
                Some(port) => format!("{}:{port}", url.host),
                None => url.host.clone(),
            };
            request.headers.set(b"Host", host.as_bytes());
            txn.details.resolve(&url.host, server_addr(&url));
            txn.details.connect();
            request.url = url;
        }
        origin(request)
    }

    fn call(&mut self, index: usize, txn: &mut SimTxn, hook: Hook, phase: HookPhase) -> Reply {
        let attached = &self.plugins[index];
        let plugin = attached.plugin;
        let binding = self.bindings[index].get_or_insert_with(|| plugin.bind(txn.id));
        let before = binding.added_hooks();
        let started = Instant::now();
        let call = plugin.call(binding, hook, phase, txn);
        let added = binding.added_hooks();
        self.record(index, hook, phase, &call, started);
        // A hook the guest added runs with the transaction's hooks, unless the plugin's global
        // hook already runs it and the guest takes both as one.
        let global = match attached.role {
            Role::Global => plugin.declared_hooks(),
            Role::Remap => HookSet::EMPTY,
        };
        for hook in added.iter().filter(|hook| !before.contains(*hook)) {
            if plugin.txn_hooks_apart() || !global.contains(hook) {
                self.add_txn_hook(index, hook);
            }
        }
        call.reply
    }

    fn record(
        &mut self,
        plugin: usize,
        hook: Hook,
        phase: HookPhase,
        call: &HookCall,
        started: Instant,
    ) {
        if let Some(trace) = self.trace.as_deref_mut() {
            trace.push(TraceEntry {
                plugin,
                hook,
                phase,
                reply: call.reply,
                fault: call.fault.as_ref().map(|f| f.kind),
                elapsed: started.elapsed(),
            });
        }
    }

    /// Every plugin that saw this transaction (or wants every close) hears txn-close.
    fn close(&mut self, txn: &mut SimTxn) {
        txn.hook = Hook::TxnClose;
        for index in 0..self.plugins.len() {
            let attached = &self.plugins[index];
            let binding = match self.bindings[index].take() {
                Some(binding) => binding,
                None if attached.role == Role::Global
                    && attached.plugin.declared_hooks().contains(Hook::TxnClose) =>
                {
                    attached.plugin.bind(txn.id)
                }
                None => continue,
            };
            let started = Instant::now();
            let Some(call) = attached.plugin.close(binding, txn) else {
                continue;
            };
            self.record(index, Hook::TxnClose, HookPhase::Global, &call, started);
        }
    }
}

/// Where the in-memory origin "is": the URL's host when it is an IP address, else the loopback
/// address (there is no DNS here), on the URL's effective port.
fn server_addr(url: &Url) -> SocketAddr {
    let ip = url
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = url
        .port
        .unwrap_or(if url.scheme == "https" { 443 } else { 80 });
    SocketAddr::new(ip, port)
}

/// The response to a transaction a hook failed, made again each time one does: the error status
/// and the last body plugins gave the proxy (the status's page is not made here).
fn failed_response(txn: &mut SimTxn) -> Response {
    txn.local_response = None;
    error_page::api_error(txn.return_code, txn.error_body.as_deref())
}

/// A response the proxy made, as it reaches the client: shaped as Traffic Server's, then the
/// fields the plugin added, as tswasm.so applies them (each name replaces the proxy's; its
/// repeats add), but for its `Content-Type`, which goes with the body (`attach_body`).
fn finish_local(txn: &mut SimTxn, mut response: Response) -> Response {
    let settings = response_settings(txn);
    prepare_local_response(&mut response, &txn.client_request, &settings, now());
    // tswasm.so hands the type to Traffic Server with the body, and without one drops it.
    let headers = &mut txn.respond_headers;
    if let Some(at) = headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(b"Content-Type"))
    {
        let body_type = headers.remove(at).1;
        if !txn.error_page {
            txn.body_type = Some(body_type);
        }
    }
    let mut done: Vec<&[u8]> = Vec::new();
    for (name, value) in &txn.respond_headers {
        match done.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            true => response.headers.append(name, value),
            false => response.headers.set(name, value),
        }
        done.push(name);
    }
    response
}

/// The transaction's settings for what the proxy adds to the client response.
fn response_settings(txn: &SimTxn) -> ResponseSettings {
    let mut server = Vec::new();
    let _ = txn.config_string_get("proxy.config.http.response_server_str", &mut server);
    ResponseSettings {
        server_enabled: txn
            .config_int_get("proxy.config.http.response_server_enabled")
            .unwrap_or(1),
        server,
        insert_age: txn
            .config_int_get("proxy.config.http.insert_age_in_response")
            .unwrap_or(1)
            != 0,
    }
}

fn now() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}
