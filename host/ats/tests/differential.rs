//! Differential tests: the same Lua scripts under Debian's `tslua.so` and under `tswasm.so`, in two
//! Traffic Servers configured alike, get the same requests; the client responses (status, headers
//! but Date/Age, body) and the requests the origin received must be the same. Differences that are
//! deliberate are listed in MIGRATING.md and left out here by choosing what is compared, never by
//! editing what was received.
//!
//! `tswasm run`'s in-memory proxy, set up alike, gets the same requests too: what it answers must be
//! what Traffic Server answered with tslua.so, since operators use it to predict the proxy.

mod proxy;

use proxy::in_memory::{comparable, InMemory};
use proxy::{plugin_so, repo_root, Origin, Proxy, Reply};

/// A conformance case run as a remap script: (case, remap FROM path, TO path, extra pparams).
/// Not here: `tslua-details`, which calls `ts.http.intercept` at load time, where tslua.so aborts
/// Traffic Server (an assertion) and tswasm ignores it (MIGRATING.md); `misc-api`, whose
/// `ts.fetch` at remap aborts it too (an assertion in ts_lua_fetch.c); `more-api`, whose
/// `ts.alert` stops it.
const REMAP_CASES: &[(&str, &str, &str, &str)] = &[
    ("uri-and-args", "/", "/", ""),
    ("remap-did-remap", "/api/", "/", ""),
    ("remap-ctx-and-closures", "/app/", "/backend/", ""),
    ("remap-os-response", "/", "/", ""),
    ("remap-error-continues", "/", "/", ""),
    ("set-resp-short-circuit", "/", "/", ""),
    ("cache-config-stats", "/", "/", ""),
    ("init-args", "/", "/", "alpha beta"),
    ("intercept-say", "/", "/", ""),
    ("server-intercept", "/", "/", ""),
    ("conventional-files", "/", "/", ""),
    ("host-header-lifecycle", "/", "/", ""),
    ("txn-facts", "/", "/", ""),
    ("connection-facts", "/", "/", ""),
    ("routing-controls", "/", "/", ""),
    ("retstatus-error-page", "/", "/", ""),
    ("retstatus-with-body", "/", "/", ""),
    ("retstatus-late", "/", "/", ""),
    ("uri-params", "/", "/", ""),
    ("header-block", "/", "/", ""),
    ("field-name-spelling", "/", "/", ""),
    ("text-log", "/", "/", ""),
    ("server-push", "/", "/", ""),
    ("config-defaults", "/", "/", ""),
    ("cache-status-set", "/", "/", ""),
    ("direct-api", "/", "/", ""),
    ("remap-close-closure", "/", "/", ""),
    ("remap-close-alone", "/", "/", ""),
    ("remap-global-functions", "/", "/", ""),
];

/// Conformance cases that are global scripts; they run together, on every request, in this
/// order. `hook-order` is loaded twice: its closures must run after both copies' global functions.
const GLOBAL_CASES: &[&str] = &[
    "hook-order",
    "bit-library",
    "crypto-and-encoding",
    "lua51-numbers-and-strings",
    "headers-multi-and-case",
    "globals-scope",
    "runtime-error-continues",
    "hook-order",
    "conventional-files-global",
    "error-resp-on-failed",
    "luajit-language",
    "luajit-library",
];

/// A settings file of the operator's in each proxy's configuration directory, where scripts read
/// it by convention (`ts.get_config_dir() .. "/lua/conventional.lua"`), with no flag granting it.
const CONVENTIONAL_SETTINGS: (&str, &str) = ("lua/conventional.lua", "return { answer = '42' }\n");

fn case_dir(case: &str) -> std::path::PathBuf {
    repo_root().join("compat/conformance").join(case)
}

/// The case's request.http as (method, path, headers without Host).
fn case_request(case: &str) -> (String, String, Vec<(String, String)>) {
    let text = std::fs::read_to_string(case_dir(case).join("request.http")).unwrap();
    let mut lines = text.lines();
    let first: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    (first[0].to_string(), first[1].to_string(), headers)
}

/// (method, host, path, headers)
type Request = (String, String, String, Vec<(String, String)>);

fn start(plugin: &str, origin: u16) -> Proxy {
    let globals: Vec<String> = GLOBAL_CASES
        .iter()
        .map(|case| {
            format!(
                "{plugin} --states=1 {}",
                case_dir(case).join("script.lua").display()
            )
        })
        .collect();
    let mut remaps: Vec<String> = REMAP_CASES
        .iter()
        .map(|(case, from, to, args)| {
            let args: String = args
                .split_whitespace()
                .map(|a| format!(" @pparam={a}"))
                .collect();
            format!(
                "map http://{case}.test{from} http://127.0.0.1:{origin}{to} @plugin={plugin} @pparam=--states=1 @pparam={}{args}",
                case_dir(case).join("script.lua").display()
            )
        })
        .collect();
    remaps.push(format!(
        "map http://cors.test/ http://127.0.0.1:{origin}/ @plugin={plugin} @pparam=--states=1 @pparam={} @pparam=https://app.example.com",
        repo_root().join("examples/lua/cors-and-routing.lua").display()
    ));
    remaps.push(format!("map / http://127.0.0.1:{origin}/"));
    Proxy::start_with_files(&globals, &remaps, &[], &[CONVENTIONAL_SETTINGS])
}

/// The in-memory proxy with the same scripts and rules as [`start`]'s proxies.
fn start_in_memory(origin: u16) -> InMemory {
    // Traffic Server's configuration directory holds its records.config, which scripts may read.
    let records = ("records.config", "# the in-memory proxy's records\n");
    let mut proxy = InMemory::new(origin, &[CONVENTIONAL_SETTINGS, records]);
    for case in GLOBAL_CASES {
        proxy.global(&case_dir(case).join("script.lua"), &[]);
    }
    let to = format!("http://127.0.0.1:{origin}");
    for (case, from, path, args) in REMAP_CASES {
        let args: Vec<&str> = args.split_whitespace().collect();
        let script = case_dir(case).join("script.lua");
        proxy.map(
            &format!("http://{case}.test{from}"),
            &format!("{to}{path}"),
            Some((&script, &args)),
        );
    }
    let cors = repo_root().join("examples/lua/cors-and-routing.lua");
    proxy.map(
        "http://cors.test/",
        &format!("{to}/"),
        Some((&cors, &["https://app.example.com"])),
    );
    proxy.map("http://plain.test/", &format!("{to}/"), None);
    proxy
}

/// Statistics: Traffic Server publishes a statistic's value now and then (a read just after an
/// increment shows the old one); the in-memory proxy, at once (README, `tswasm run`).
const PUBLISHED_LATER: &[&str] = &["X-Stat: "];

/// What the in-memory proxy's reply is compared by: [`comparable`], but for what it cannot know.
fn in_memory_comparable(reply: &Reply) -> String {
    in_memory_comparable_text(&comparable(reply))
}

fn in_memory_comparable_text(text: &str) -> String {
    text.lines()
        .map(
            |line| match PUBLISHED_LATER.iter().find(|p| line.starts_with(*p)) {
                Some(prefix) => format!("{prefix}(a statistic)\n"),
                None => format!("{line}\n"),
            },
        )
        .collect()
}

#[test]
fn tslua_and_tswasm_answer_the_same_requests_the_same_way() {
    let origin = Origin::start();
    let tslua = start("tslua.so", origin.port);
    let tswasm = start(&plugin_so().display().to_string(), origin.port);
    let mut in_memory = start_in_memory(origin.port);

    let mut requests: Vec<Request> = Vec::new();
    for (case, ..) in REMAP_CASES {
        let (method, path, headers) = case_request(case);
        // Twice: per-state globals and per-transaction state must carry over (or not) alike.
        for _ in 0..2 {
            requests.push((
                method.clone(),
                format!("{case}.test"),
                path.clone(),
                headers.clone(),
            ));
        }
    }
    for case in GLOBAL_CASES {
        let (method, path, headers) = case_request(case);
        requests.push((method, "plain.test".into(), path, headers));
    }
    // A path with `;params`, which Traffic Server keeps apart from the path.
    requests.push((
        "GET".into(),
        "uri-and-args.test".into(),
        "/old/path;v=1?a=1&b=2".into(),
        vec![],
    ));
    // The other ways to change a failed transaction's error response at send-response, not
    // changing it, and failing it again there.
    for variant in [
        "error-resp-no-body",
        "set-resp",
        "none",
        "fail-twice-resp",
        "fail-twice-retstatus",
        "fail-twice",
    ] {
        requests.push((
            "GET".into(),
            "plain.test".into(),
            "/fail".into(),
            vec![("X-Fail-Me".to_string(), variant.to_string())],
        ));
    }
    let origin_header = |o: &str| vec![("Origin".to_string(), o.to_string())];
    requests.push((
        "OPTIONS".into(),
        "cors.test".into(),
        "/api/items".into(),
        origin_header("https://app.example.com"),
    ));
    requests.push((
        "GET".into(),
        "cors.test".into(),
        "/api/items".into(),
        origin_header("https://app.example.com"),
    ));
    requests.push((
        "GET".into(),
        "cors.test".into(),
        "/api/items".into(),
        origin_header("https://evil.example"),
    ));

    let mut differences = Vec::new();
    let mut mispredictions = Vec::new();
    let mut unpredicted = Vec::new();
    let mut scripted = 0;
    for (method, host, path, headers) in &requests {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let a = comparable(&tslua.request(method, host, path, &headers));
        let reply = tswasm.request(method, host, path, &headers);
        // Not a vacuous comparison: the global scripts' headers are on every response, but for
        // an error response made again when a send-response hook failed the transaction again.
        let made_again = headers
            .iter()
            .any(|(n, v)| *n == "X-Fail-Me" && v.starts_with("fail-twice"));
        scripted += usize::from(
            made_again || (reply.header("X-Md5").is_some() && reply.header("X-Tobit").is_some()),
        );
        if host == "conventional-files.test" {
            // What both kinds of script read from the configuration directory reached the origin.
            let conf =
                ["X-Conf", "X-Conf-Per-Request", "X-Global-Conf"].map(|h| reply.origin_saw(h));
            assert_eq!(
                conf,
                [Some("42".to_string()), Some("42".into()), Some("42".into())]
            );
        }
        let b = comparable(&reply);
        let predicted = in_memory.request(method, host, path, &headers);
        if std::env::var_os("TSWASM_SHOW_DIFFERENTIAL").is_some() {
            eprintln!("{method} http://{host}{path}\n{b}");
        }
        if a != b {
            differences.push(format!(
                "{method} http://{host}{path}\n--- tslua.so ---\n{a}--- tswasm.so ---\n{b}"
            ));
        }
        if predicted.is_none() {
            unpredicted.push(format!("{method} http://{host}{path}"));
        }
        if let Some(c) = predicted.as_ref().map(in_memory_comparable) {
            if in_memory_comparable_text(&a) != c {
                mispredictions.push(format!(
                    "{method} http://{host}{path}\n--- tslua.so ---\n{a}--- in memory ---\n{c}"
                ));
            }
        }
    }
    assert_eq!(
        scripted,
        requests.len(),
        "every response went through the scripts"
    );
    assert!(
        differences.is_empty(),
        "{} of {} requests differ:\n{}",
        differences.len(),
        requests.len(),
        differences.join("\n")
    );
    // Only the case whose script sends the request to a named origin is left to DNS.
    assert_eq!(
        unpredicted, ["GET http://remap-did-remap.test/api/v1/items"; 2],
        "requests the in-memory proxy could not predict"
    );
    assert!(
        mispredictions.is_empty(),
        "the in-memory proxy mispredicts {} of {} requests:\n{}",
        mispredictions.len(),
        requests.len(),
        mispredictions.join("\n")
    );
}
