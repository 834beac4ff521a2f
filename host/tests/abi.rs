//! Every ABI v1 function, exercised by the abi-probe guest and checked against the request fixture.

mod common;

use std::path::PathBuf;

use common::*;
use tswasm::abi_types::Hook;
use tswasm::simulator::{self, Attached, RemapRule, Request, Response, Role, SimTxn};
use tswasm::Grants;

const REQUEST: &str = "GET http://www.example.com:8080/some/path?x=1&y=2 HTTP/1.1
Host: www.example.com:8080
Accept: text/html
accept: application/json
X-Remove-Me: gone
X-Set: a
X-Set: b

";

#[test]
fn request_side_functions_report_the_fixture() {
    let (probe, _) = load("abi-probe", settings(&["alpha", "beta"]));
    let (txn, trace) = run_with(
        &[&probe],
        request(REQUEST),
        None,
        origin_ok(),
        "192.0.2.10:40123",
    );
    // The probe declared read-request and added it while it ran: a guest that does not take its
    // transaction hooks apart is called once.
    let read_requests = trace.iter().filter(|e| e.hook == Hook::ReadRequest);
    assert_eq!(read_requests.count(), 1);
    let sent = txn.server_request.expect("reached the origin");
    let h = |name: &str| header(&sent.headers, name).unwrap_or_else(|| panic!("{name} missing"));

    assert_eq!(h("X-Probe-Method"), "GET");
    assert_eq!(
        h("X-Probe-Url"),
        "http://www.example.com:8080/some/path?x=1&y=2"
    );
    assert_eq!(h("X-Probe-Scheme"), "http");
    assert_eq!(h("X-Probe-Host"), "www.example.com");
    assert_eq!(h("X-Probe-Port"), "8080");
    assert_eq!(h("X-Probe-Path"), "some/path");
    assert_eq!(h("X-Probe-Query"), "x=1&y=2");
    assert_eq!(h("X-Probe-Accept-Count"), "2");
    assert_eq!(h("X-Probe-Accept-All"), "text/html|application/json");
    assert_eq!(h("X-Probe-Missing"), "error: not found");
    assert_eq!(h("X-Probe-Second-Missing"), "error: not found");
    assert_eq!(
        h("X-Probe-Server-Response"),
        "error: not available at this hook"
    );
    assert_eq!(
        h("X-Probe-Cache-Early"),
        "error: not available at this hook"
    );
    assert_eq!(h("X-Probe-Client"), "192.0.2.10:40123");
    assert_eq!(h("X-Probe-Incoming"), "127.0.0.1:8080");
    assert_eq!(
        h("X-Probe-Server-Early"),
        "error: not available at this hook"
    );
    assert_eq!(
        h("X-Probe-Texts-Early"),
        "error: not found,error: not found,error: not available at this hook",
        "no tag for a client's request, no next hop before os-dns, no TLS in memory"
    );
    assert_eq!(h("X-Probe-Protocols"), "http/1.1,tcp,ipv4");
    assert_eq!(
        h("X-Probe-Pristine"),
        "http://www.example.com:8080/some/path?x=1&y=2"
    );
    assert_eq!(h("X-Probe-Facts"), format!("{},0,0", txn.id));
    assert_eq!(
        h("X-Probe-Cacheable-Early"),
        "error: not available at this hook"
    );
    assert_eq!(
        h("X-Probe-Milestones"),
        "true,0,true",
        "UA begin is a recent time, the server connect has not happened, header done >= begin"
    );
    assert_eq!(h("X-Probe-Controls"), "true,false,true");
    assert_eq!(h("X-Probe-Timeout"), "ok");
    assert_eq!(h("X-Probe-Bad-Redirect"), "error: invalid argument");
    assert_eq!(h("X-Probe-Records"), "1,error: not found,found");
    assert_eq!(h("X-Probe-Args"), "alpha,beta");
    assert_eq!(h("X-Probe-Time-Sane"), "true");
    assert_eq!(
        h("X-Probe-Debug-Enabled"),
        "false",
        "the test services log warnings and up"
    );
    assert_eq!(h("X-Probe-Txn-Id"), txn.id.to_string());
    assert_eq!(
        h("X-Probe-Field-Names"),
        // Traffic Server reports its well-known names in its own spelling: `accept` reads `Accept`.
        "Host,Accept,Accept,X-Remove-Me,X-Set,X-Set"
    );
    // The fields as written on the wire, then the blank line (CRLF shown as `|`).
    let block = h("X-Probe-Header-Block");
    assert!(
        block.starts_with("Host: www.example.com:8080|Accept: text/html|accept: application/json|")
            && block.ends_with("||"),
        "{block}"
    );
    assert_eq!(h("X-Probe-Config-Int"), "1->0");
    assert_eq!(h("X-Probe-Config-Float"), "0.5");
    assert_eq!(h("X-Probe-Config-String"), "probe/1");
    assert_eq!(h("X-Probe-Config-Wrong-Type"), "error: invalid argument");
    assert_eq!(h("X-Probe-Config-Unknown"), "error: not found");
    assert_eq!(h("X-Probe-Add-Send-Request"), "ok");
    assert_eq!(h("X-Probe-Add-Running"), "ok");
    assert_eq!(
        h("X-Probe-Add-Txn-Start"),
        "error: not available at this hook"
    );
    assert_eq!(h("X-Probe-Add-Remap"), "error: invalid argument");
    assert_eq!(
        h("X-Probe-Default-Cache-Key"),
        "http://www.example.com:8080/some/path?x=1&y=2"
    );
    assert_eq!(h("X-Probe-Stat-Find"), "true");
    assert_eq!(h("X-Probe-Stat-Missing"), "error: not found");
    assert_eq!(h("X-Probe-Bad-Name"), "error: invalid argument");
    assert_eq!(h("X-Probe-Bad-Value"), "error: invalid argument");
    assert_eq!(
        h("X-Probe-Respond-Header-Early"),
        "error: not available at this hook"
    );
    // The hook added at read-request ran at send-request, on the server request.
    assert_eq!(h("X-Probe-Send-Request"), "www.example.com");

    // Header edits reached the origin.
    assert_eq!(header(&sent.headers, "X-Remove-Me"), None);
    assert_eq!(headers_all(&sent.headers, "X-Set"), ["one"]);
    assert_eq!(headers_all(&sent.headers, "X-Appended"), ["1", "2"]);
    assert_eq!(
        header(&sent.headers, "X-Ok"),
        None,
        "a rejected value is not half-written"
    );
}

#[test]
fn response_side_functions_and_per_transaction_state() {
    let (probe, services) = load("abi-probe", settings(&[]));
    let origin = response("HTTP/1.1 200 Fine\nX-Probe-Set-Status: yes\nContent-Length: 0\n\n");
    let req = request("GET /p?rewrite=1 HTTP/1.1\nHost: h.example\nX-Probe-Set-Method: POST\n\n");
    let (txn, trace) = run_with(&[&probe], req, None, origin, "127.0.0.1:1");

    let sent = txn.server_request.as_ref().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.url.target()),
        ("POST", "/rewritten/path".to_string())
    );
    let resp = txn.client_response.as_ref().unwrap();
    let h = |name: &str| header(&resp.headers, name).unwrap_or_else(|| panic!("{name} missing"));
    assert_eq!((resp.status, resp.reason.as_str()), (203, "Probed"));
    assert_eq!(
        h("X-Probe-Txn-Start-Method"),
        "error: not available at this hook"
    );
    assert_eq!(h("X-Probe-Origin-Status"), "200 Fine");
    assert_eq!(h("X-Probe-Bad-Status"), "error: invalid argument");
    assert_eq!(h("X-Probe-Cache-Status"), "miss, set: ok");
    assert_eq!(
        h("X-Probe-Late-Cache-Key"),
        "error: not available at this hook"
    );
    assert_eq!(h("X-Probe-Final-Cache-Key"), "probe-key");
    assert_eq!(
        h("X-Probe-Routing"),
        "ok,parent.example,8081,ok,ok,http://parent.example/p,ok,\
         error: invalid argument,error: invalid argument,error: invalid argument,ok",
        "parent proxy and selection URL reported back; the client's address, an origin without a \
         port and a parent on port 0 refused"
    );
    assert_eq!(
        h("X-Probe-Late-Status"),
        "error: not available at this hook,ok",
        "a status alone is taken up to remap; an error body any time before the response"
    );
    assert_eq!(
        h("X-Probe-Late-Addr"),
        "error: not available at this hook",
        "the origin's address is set up to os-dns"
    );
    assert_eq!(
        h("X-Probe-Cached-Write"),
        "error: not available at this hook"
    );
    assert_eq!(h("X-Probe-Stat"), "1");

    let hooks: Vec<Hook> = trace.iter().map(|e| e.hook).collect();
    assert_eq!(
        hooks,
        [
            Hook::TxnStart,
            Hook::ReadRequest,
            Hook::CacheLookupComplete,
            Hook::SendRequest,
            Hook::ReadResponse,
            Hook::SendResponse,
            Hook::TxnClose
        ]
    );
    // txn-close reached the guest: its gauge of open transactions is back to zero.
    let stats = services.stats();
    assert_eq!(stats.iter().find(|(n, _)| n == "probe.open").unwrap().1, 0);
}

#[test]
fn a_local_response_skips_the_origin() {
    let (probe, _) = load("abi-probe", settings(&[]));
    let (txn, trace) = run(
        &[&probe],
        request("GET /deny/this HTTP/1.1\nHost: h\n\n"),
        None,
    );
    assert!(txn.server_request.is_none());
    let resp = txn.client_response.unwrap();
    assert_eq!(
        (resp.status, resp.reason.as_str(), resp.body.as_slice()),
        (451, "", &b"blocked by probe\n"[..])
    );
    assert_eq!(
        header(&resp.headers, "X-Probe-Local").as_deref(),
        Some("yes")
    );
    assert_eq!(
        header(&resp.headers, "Content-Length").as_deref(),
        Some("17")
    );
    assert!(!trace
        .iter()
        .any(|e| e.hook == Hook::SendRequest || e.hook == Hook::CacheLookupComplete));
    assert!(
        trace.iter().any(|e| e.hook == Hook::SendResponse),
        "send-response runs for local responses"
    );
}

#[test]
fn remap_sees_the_rule_and_the_url_the_rule_already_mapped() {
    let (probe, _) = load("abi-probe", settings(&[]));
    let rule = "http://www.example.com/app/ https://backend.internal:8443/v2/";
    let (txn, _) = run(
        &[&probe],
        request("GET /app/x?q=1 HTTP/1.1\nHost: www.example.com\n\n"),
        Some(rule),
    );
    let resp = txn.client_response.as_ref().unwrap();
    assert_eq!(
        header(&resp.headers, "X-Probe-Remap").as_deref(),
        Some("http://www.example.com/app/ -> https://backend.internal:8443/v2/")
    );
    let sent = txn.server_request.unwrap();
    assert_eq!(
        sent.url.to_string(),
        "https://backend.internal:8443/v2/x?q=1"
    );
    assert_eq!(
        header(&sent.headers, "Host").as_deref(),
        Some("backend.internal:8443")
    );

    let (did, _) = load("abi-probe", settings(&["remap-did"]));
    let (txn, _) = run(
        &[&did],
        request("GET /app/x HTTP/1.1\nHost: www.example.com\n\n"),
        Some(rule),
    );
    let sent = txn.server_request.unwrap();
    assert_eq!(
        sent.url.to_string(),
        "https://did.example:8443/v2/x",
        "the plugin changes the URL the rule mapped (as in Traffic Server 9.2)"
    );
}

/// Runs the probe as a global plugin on a transaction that matches a remap rule.
fn run_global_with_rule(probe: &tswasm::Plugin, path: &str, origin: Response) -> SimTxn {
    let text = format!("GET {path} HTTP/1.1\nHost: www.example.com\n\n");
    let mut txn = SimTxn::new(900, "127.0.0.1:1".parse().unwrap(), request(&text));
    txn.remap =
        Some(RemapRule::parse("http://www.example.com/app/ http://backend.internal/v2/").unwrap());
    let attached = [Attached {
        plugin: probe,
        role: Role::Global,
    }];
    let mut origin_fn = |_: &Request| origin.clone();
    simulator::run(&attached, &mut txn, &mut origin_fn, None);
    txn
}

#[test]
fn skipped_remapping_redirects_and_response_facts() {
    let (probe, _) = load("abi-probe", settings(&["skip-remap"]));
    let txn = run_global_with_rule(&probe, "/app/x", origin_ok());
    let sent = txn.server_request.as_ref().unwrap();
    assert_eq!(
        sent.url.to_string(),
        "http://www.example.com/app/x",
        "skip-remapping: the rule did not rewrite the URL"
    );
    let resp = txn.client_response.as_ref().unwrap();
    assert_eq!(
        header(&resp.headers, "X-Probe-Server").as_deref(),
        Some("127.0.0.1:80"),
        "a host name is not resolved in memory: the origin is on loopback"
    );
    assert_eq!(
        header(&resp.headers, "X-Probe-Outgoing").as_deref(),
        Some("127.0.0.2"),
        "the origin connection leaves from the address the plugin set"
    );
    assert_eq!(
        header(&resp.headers, "X-Probe-Next-Hop").as_deref(),
        Some("127.0.0.1:80,www.example.com,80"),
        "the next hop is the origin, named as the URL names it"
    );

    let origin =
        response("HTTP/1.1 200 OK\nCache-Control: public, max-age=90\nContent-Length: 0\n\n");
    let txn = run_global_with_rule(&probe, "/app/x?redirect=1", origin);
    let sent = txn.server_request.as_ref().unwrap();
    assert_eq!(
        sent.url.to_string(),
        "http://127.0.0.1:8099/moved/here",
        "the origin was asked for the redirect URL"
    );
    let resp = txn.client_response.as_ref().unwrap();
    assert_eq!(
        header(&resp.headers, "X-Probe-Server").as_deref(),
        Some("127.0.0.1:8099")
    );
    assert_eq!(
        header(&resp.headers, "X-Probe-Cacheable").as_deref(),
        Some("0,90"),
        "server-no-store (set at read-request) makes it uncacheable; max-age is the header's"
    );
}

#[test]
fn plugin_events_reach_every_instance() {
    let (probe, services) = load(
        "abi-probe",
        tswasm::Settings {
            states: 3,
            ..settings(&[])
        },
    );
    probe.notify(tswasm::abi_types::PluginEvent::Reload);
    probe.notify(tswasm::abi_types::PluginEvent::Unload);
    let stats = services.stats();
    let count = |name: &str| stats.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    assert_eq!(count("probe.event.reload"), Some(3));
    assert_eq!(count("probe.event.unload"), Some(3));
}

#[test]
fn instances_share_transactions_by_id_and_keep_them() {
    let (probe, _) = load(
        "abi-probe",
        tswasm::Settings {
            states: 3,
            ..settings(&[])
        },
    );
    let bindings: Vec<usize> = (0..6).map(|id| probe.bind(id).instance_index()).collect();
    assert_eq!(bindings, [0, 1, 2, 0, 1, 2]);
    // Interleaved transactions on the same instances keep their own per-transaction findings.
    for _ in 0..4 {
        let (txn, _) = run(&[&probe], request("GET / HTTP/1.1\nHost: h\n\n"), None);
        let resp = txn.client_response.unwrap();
        assert_eq!(
            headers_all(&resp.headers, "X-Probe-Txn-Start-Method").len(),
            1
        );
    }
}

#[test]
fn files_are_readable_only_in_granted_directories_and_never_writable() {
    let base = std::env::temp_dir().join(format!("tswasm-grant-{}", std::process::id()));
    let (granted, other) = (base.join("granted"), base.join("other"));
    std::fs::create_dir_all(&granted).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(granted.join("config.txt"), "hello from a granted dir\n").unwrap();
    std::fs::write(other.join("secret.txt"), "secret\n").unwrap();

    let probe_file = |file: &std::path::Path, grant: Option<&std::path::Path>| {
        let arg = format!("read={}", file.display());
        let mut settings = settings(&[&arg]);
        settings.grants = Grants {
            conventional: false,
            dirs: grant.map(|g| g.to_path_buf()).into_iter().collect(),
        };
        let (probe, _) = load("abi-probe", settings);
        let (txn, _) = run(&[&probe], request("GET / HTTP/1.1\nHost: h\n\n"), None);
        let sent = txn.server_request.unwrap();
        (
            header(&sent.headers, "X-Probe-File").unwrap(),
            header(&sent.headers, "X-Probe-File-Write").unwrap(),
        )
    };
    let (read, write) = probe_file(&granted.join("config.txt"), Some(&granted));
    assert_eq!(read, "hello from a granted dir");
    assert!(
        write.starts_with("error"),
        "granted directories are read-only: {write}"
    );
    assert!(!granted.join("config.txt.new").exists());

    let (read, _) = probe_file(&other.join("secret.txt"), Some(&granted));
    assert!(read.starts_with("error"), "outside the grant: {read}");
    // Conventional grants off, as `grant=none` does; they are tested by the Lua conformance suite
    // (the script's own directory) and against Traffic Server (its configuration directory).
    let (read, _) = probe_file(&granted.join("config.txt"), None);
    assert!(
        read.starts_with("error"),
        "with `grant=none` nothing is readable: {read}"
    );
    std::fs::remove_dir_all(&base).unwrap();

    // With the default grants, a `.wasm` plugin (not a tslua script) reads nothing either: not
    // the directory its file is in, not the proxy's configuration directory.
    let beside = guest("abi-probe").with_file_name(format!("grant-{}.txt", std::process::id()));
    std::fs::write(&beside, "next to the plugin\n").unwrap();
    for file in [
        beside.clone(),
        PathBuf::from("/etc/trafficserver/records.config"),
    ] {
        let arg = format!("read={}", file.display());
        let (probe, _) = load("abi-probe", settings(&[&arg]));
        let (txn, _) = run(&[&probe], request("GET / HTTP/1.1\nHost: h\n\n"), None);
        let read = header(&txn.server_request.unwrap().headers, "X-Probe-File").unwrap();
        assert!(read.starts_with("error"), "{}: {read}", file.display());
    }
    std::fs::remove_file(&beside).unwrap();
}

/// The hooks a transaction ran, in order.
fn hooks_of(trace: &[tswasm::simulator::TraceEntry]) -> Vec<Hook> {
    trace.iter().map(|e| e.hook).collect()
}

#[test]
fn txn_close_reaches_a_guest_that_asks_for_it_on_request_only_where_it_asked() {
    // The benchmark workload keeps nothing per transaction and exports
    // `tswasm_txn_close_on_request` (its SDK type sets CLOSE_EVERY_TXN = false).
    let (workload, _) = load("bench-workload", settings(&["global"]));
    let (txn, trace) = run(&[&workload], request("GET / HTTP/1.1\nHost: h\n\n"), None);
    assert_eq!(
        hooks_of(&trace),
        [Hook::ReadRequest, Hook::SendResponse],
        "no txn-close call"
    );
    let sent = txn.server_request.expect("reached the origin");
    assert_eq!(header(&sent.headers, "X-Bench").as_deref(), Some("global"));

    // The Lua guest asks for txn-close for the transactions a script keeps something for: here
    // only those whose request names closures to register (a txn-close closure alone would be
    // dropped, as tslua.so drops it: compat/conformance/remap-close-alone).
    let dir = std::env::temp_dir().join(format!("tswasm-close-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("close.lua");
    std::fs::write(
        &script,
        "function do_global_read_request()\n\
           if ts.client_request.header['X-Hook'] then\n\
             ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function() end)\n\
             ts.hook(TS_LUA_HOOK_TXN_CLOSE, function() closed = (closed or 0) + 1 end)\n\
           end\n\
           ts.client_request.header['X-Closed'] = closed or 0\n\
         end\n",
    )
    .unwrap();
    let services = std::sync::Arc::new(tswasm::services::LocalServices::new(
        tswasm::abi_types::LogLevel::Warning,
    ));
    let lua = tswasm::Plugin::load(
        engine(),
        &script,
        tswasm::Settings {
            states: 1,
            ..settings(&[])
        },
        services,
    )
    .expect("script loads");
    let closed_before = |req: &str| {
        let (txn, trace) = run(&[&lua], request(req), None);
        let sent = txn.server_request.expect("reached the origin");
        (header(&sent.headers, "X-Closed").unwrap(), hooks_of(&trace))
    };
    let plain = "GET / HTTP/1.1\nHost: h\n\n";
    let hooked = "GET / HTTP/1.1\nHost: h\nX-Hook: 1\n\n";
    assert_eq!(closed_before(plain), ("0".into(), vec![Hook::ReadRequest]));
    assert_eq!(
        closed_before(hooked),
        (
            "0".into(),
            vec![Hook::ReadRequest, Hook::SendResponse, Hook::TxnClose]
        )
    );
    // The closure ran at the hooked transaction's close, and only there.
    assert_eq!(closed_before(plain), ("1".into(), vec![Hook::ReadRequest]));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every answer the refusals guest reports, from the in-memory proxy, by case.
pub fn refusals(txn: &SimTxn) -> Vec<(String, String)> {
    let response = txn.client_response.as_ref().expect("a client response");
    response
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let name = String::from_utf8_lossy(name);
            let case = name.strip_prefix("X-Refused-")?;
            Some((
                case.to_string(),
                String::from_utf8_lossy(value).into_owned(),
            ))
        })
        .collect()
}

#[test]
fn the_abi_layer_refuses_invalid_inputs_and_calls_at_the_wrong_hook() {
    let (guest, _) = load("refusals", settings(&[]));
    let (txn, _) = run(&[&guest], request("GET /a HTTP/1.1\nHost: h\n\n"), None);
    let mut answers = refusals(&txn);
    answers.sort();
    let (invalid, unavailable, missing) = (
        "invalid-argument",
        "not-available-at-this-hook",
        "not-found",
    );
    let mut expected = vec![
        ("header-name-space", invalid),
        ("header-name-colon", invalid),
        ("header-value-crlf", invalid),
        ("header-value-nul", invalid),
        ("method-digit", invalid),
        ("method-empty", invalid),
        ("url-port-text", invalid),
        ("url-port-range", invalid),
        ("url-host-space", invalid),
        ("url-path-ctl", invalid),
        ("url-params-query", invalid),
        ("url-relative", invalid),
        ("redirect-relative", invalid),
        ("cache-status-early", unavailable),
        ("cache-status-set-early", unavailable),
        ("cache-key-space", invalid),
        ("cache-key-empty", invalid),
        ("intercept-garbage", invalid),
        ("respond-status-low", invalid),
        ("respond-status-high", invalid),
        ("respond-header-first", unavailable),
        ("config-unknown", missing),
        ("config-wrong-type", invalid),
        ("stat-name-empty", invalid),
        ("stat-name-nul", invalid),
        ("stat-name-proxys", invalid),
        ("record-name-nul", missing),
        ("config-string-nul", invalid),
        ("respond-redirect-after-remap", unavailable),
        ("cache-key-late", unavailable),
        ("intercept-client-late", unavailable),
        ("reason-crlf", invalid),
        ("reason-tab", invalid),
        ("status-low", invalid),
        ("version-two", invalid),
        ("cache-status-set-late", unavailable),
        ("intercept-server-late", unavailable),
        ("respond-at-send-response", "accepted"),
        ("server-push-relative", invalid),
        ("client-protocol-in-txn", unavailable),
        ("server-push-to-http1", unavailable),
        ("text-log-name-empty", invalid),
        ("text-log-name-path", invalid),
        ("text-log-name-absolute", invalid),
        ("text-log-name-hidden", invalid),
        ("text-log-name-space", invalid),
        ("text-log-name-proxys", invalid),
        ("text-log-name-long", invalid),
        ("text-log-name-longest", "accepted"),
        ("text-log-text-nul", invalid),
        ("text-log-write-unopened", missing),
    ]
    .into_iter()
    .map(|(case, answer)| (case.to_string(), answer.to_string()))
    .collect::<Vec<_>>();
    expected.sort();
    assert_eq!(answers, expected);
    // Nothing refused changed the transaction.
    let response = txn.client_response.expect("answered");
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, &b"origin"[..])
    );
    let sent = txn.server_request.expect("reached the origin");
    assert_eq!(sent.method, "GET");
    assert_eq!(header(&sent.headers, "X-A"), None);
}

#[test]
fn global_hooks_of_every_plugin_run_before_the_hooks_added_for_the_transaction() {
    // compat/conformance/hook-order, loaded twice: each copy's do_global_read_request adds
    // closures for read-request (the hook running) and send-response; the Lua guest takes its
    // transaction hooks apart, as tslua's closures are Traffic Server transaction hooks.
    let script = repo_root().join("compat/conformance/hook-order/script.lua");
    let services = std::sync::Arc::new(tswasm::services::LocalServices::new(
        tswasm::abi_types::LogLevel::Warning,
    ));
    let load = || {
        tswasm::Plugin::load(engine(), &script, settings(&[]), services.clone())
            .expect("script loads")
    };
    let (first, second) = (load(), load());
    assert!(first.txn_hooks_apart());
    let (txn, trace) = run(
        &[&first, &second],
        request("GET / HTTP/1.1\nHost: h\n\n"),
        None,
    );
    use tswasm::HookPhase::{Global, Txn};
    let calls: Vec<_> = trace.iter().map(|e| (e.plugin, e.hook, e.phase)).collect();
    assert_eq!(
        calls[..8],
        [
            (0, Hook::ReadRequest, Global),
            (1, Hook::ReadRequest, Global),
            (0, Hook::ReadRequest, Txn),
            (1, Hook::ReadRequest, Txn),
            (0, Hook::SendResponse, Global),
            (1, Hook::SendResponse, Global),
            (0, Hook::SendResponse, Txn),
            (1, Hook::SendResponse, Txn),
        ]
    );
    let sent = txn.server_request.expect("reached the origin");
    assert_eq!(
        header(&sent.headers, "X-Read-Order").as_deref(),
        Some("global,global,closure,closure,")
    );
    let response = txn.client_response.expect("answered");
    assert_eq!(
        header(&response.headers, "X-Send-Order").as_deref(),
        Some("global,global,closure,closure,")
    );
}
