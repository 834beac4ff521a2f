//! The Lua conformance suite: every case in `compat/conformance/<case>/` is a tslua-style script with
//! a raw client request (and optionally the origin's response), run through the in-memory proxy, and
//! an `expect.toml` saying what the client and the origin must see. All cases run; failures are
//! reported together.
//!
//! A case may also have `origin.http` (the origin's response) and `cached.http` (a cached response,
//! which makes the lookup a hit).
//!
//! `expect.toml` keys (all optional):
//! - `script` = a path relative to the case (default `script.lua`), to reuse another case's script;
//! - `role` = "remap" | "global" (default: remap when `remap` is given), `remap` = "FROM TO",
//!   `args` = [...], `states`, `transactions` (run N, check the last),
//!   `deadline_ms`, `memory_limit_mb`, `txn_memory_limit_mb`, `fail` = "open" | "closed";
//! - `load_error` = [substrings]: loading must fail with a message containing each;
//! - `[client_response]` status, body, `headers` = { name = value } (all values joined with "|"),
//!   `absent` = [names];
//! - `[origin_request]` `contacted` = bool, method, target, `headers`, `absent`;
//! - `log` = [substrings] that must appear in the log, `log_absent` = [substrings] that must not;
//!   `script_errors`, `faults` counts.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tswasm::abi_types::{LogLevel, PluginEvent, StatKind};
use tswasm::services::{LocalServices, Services};
use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, Headers, RemapRule, Request, Response, Role, SimTxn};
use tswasm::txn::AbiResult;
use tswasm::{Engine, FailPolicy, Plugin, PoolLimits, Settings};

/// Services that keep every log line, text logs' too, so cases can check what was logged.
struct Recording {
    lines: Arc<Mutex<Vec<String>>>,
    stats: LocalServices,
}

impl Services for Recording {
    fn log(&self, level: LogLevel, tag: &str, message: &str) {
        self.lines
            .lock()
            .unwrap()
            .push(format!("[{level}] {tag}: {message}"));
    }
    fn log_enabled(&self, _: LogLevel, _: &str) -> bool {
        true
    }
    fn stat_create(&self, name: &str, kind: StatKind) -> AbiResult<u32> {
        self.stats.stat_create(name, kind)
    }
    fn stat_find(&self, name: &str) -> AbiResult<u32> {
        self.stats.stat_find(name)
    }
    fn stat_add(&self, id: u32, delta: i64) -> AbiResult<()> {
        self.stats.stat_add(id, delta)
    }
    fn stat_set(&self, id: u32, value: i64) -> AbiResult<()> {
        self.stats.stat_set(id, value)
    }
    fn stat_get(&self, id: u32) -> AbiResult<i64> {
        self.stats.stat_get(id)
    }
    fn proxy_info(&self, key: tswasm::abi_types::ProxyInfo) -> Option<String> {
        self.stats.proxy_info(key)
    }
    fn record(
        &self,
        kind: tswasm::abi_types::RecordType,
        name: &str,
    ) -> AbiResult<tswasm::simulator::ConfigValue> {
        self.stats.record(kind, name)
    }
    fn text_log_create(&self, name: &str, mode: tswasm::abi_types::TextLogMode) -> AbiResult<()> {
        self.stats.text_log_create(name, mode)
    }
    fn text_log_write(&self, name: &str, text: &[u8]) -> AbiResult<()> {
        self.stats.text_log_write(name, text)
    }
    fn text_log_destroy(&self, name: &str) -> AbiResult<()> {
        self.stats.text_log_destroy(name)
    }
    fn config_file_add(&self, parent: &str, file: &str) -> AbiResult<()> {
        self.lines
            .lock()
            .unwrap()
            .push(format!("config file {file} attached to {parent}"));
        Ok(())
    }
}

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../compat/conformance")
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn all_values(headers: &Headers, name: &str) -> Option<String> {
    let n = headers.count(name.as_bytes());
    (n > 0).then(|| {
        (0..n)
            .map(|i| text(headers.get(name.as_bytes(), i).unwrap()))
            .collect::<Vec<_>>()
            .join("|")
    })
}

fn check_headers(what: &str, headers: &Headers, expect: &toml::Table, problems: &mut Vec<String>) {
    if let Some(toml::Value::Table(want)) = expect.get("headers") {
        for (name, value) in want {
            let want = value.as_str().unwrap_or_default();
            let got = all_values(headers, name);
            if got.as_deref() != Some(want) {
                problems.push(format!(
                    "{what} header {name}: expected {want:?}, got {got:?}"
                ));
            }
        }
    }
    if let Some(toml::Value::Array(absent)) = expect.get("absent") {
        for name in absent.iter().filter_map(|v| v.as_str()) {
            if let Some(got) = all_values(headers, name) {
                problems.push(format!(
                    "{what} header {name}: expected absent, got {got:?}"
                ));
            }
        }
    }
}

fn run_case(engine: &Engine, dir: &Path) -> Result<(), Vec<String>> {
    let expect: toml::Table = std::fs::read_to_string(dir.join("expect.toml"))
        .map_err(|e| vec![format!("expect.toml: {e}")])?
        .parse()
        .map_err(|e| vec![format!("expect.toml: {e}")])?;
    let str_of = |key: &str| expect.get(key).and_then(|v| v.as_str());
    let int_of = |key: &str| expect.get(key).and_then(|v| v.as_integer());
    let list_of = |key: &str| -> Vec<String> {
        expect
            .get(key)
            .and_then(|v| v.as_array())
            .map_or(Vec::new(), |a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
    };

    let remap = str_of("remap").map(|r| RemapRule::parse(r).expect("valid remap in expect.toml"));
    let role = match str_of("role") {
        Some("global") => Role::Global,
        Some("remap") => Role::Remap,
        _ if remap.is_some() => Role::Remap,
        _ => Role::Global,
    };
    let settings = Settings {
        states: int_of("states").unwrap_or(1) as usize,
        role,
        // One compile of the Lua guest for the whole suite, not one per case.
        cache_dir: CacheDir::Path(
            std::env::temp_dir().join(format!("tswasm-conformance-{}", std::process::id())),
        ),
        args: list_of("args"),
        deadline: Duration::from_millis(int_of("deadline_ms").unwrap_or(100) as u64),
        memory_limit: int_of("memory_limit_mb")
            .map_or(Settings::default().memory_limit, |mb| (mb as usize) << 20),
        txn_memory_limit: int_of("txn_memory_limit_mb")
            .map_or(Settings::default().txn_memory_limit, |mb| {
                (mb as usize) << 20
            }),
        fail_policy: if str_of("fail") == Some("closed") {
            FailPolicy::Closed
        } else {
            FailPolicy::Open
        },
        ..Settings::default()
    };
    let lines = Arc::new(Mutex::new(Vec::new()));
    let text_log_lines = lines.clone();
    let services = Arc::new(Recording {
        lines,
        stats: LocalServices::with_text_log_sink(
            LogLevel::Debug,
            Arc::new(move |line: &str| {
                text_log_lines
                    .lock()
                    .unwrap()
                    .push(format!("[text log] {line}"))
            }),
        ),
    });
    let script = dir.join(str_of("script").unwrap_or("script.lua"));
    let loaded = Plugin::load(engine, &script, settings, services.clone());
    let mut problems = Vec::new();
    let log = || services.lines.lock().unwrap().join("\n");

    let load_error = list_of("load_error");
    let plugin = match (loaded, load_error.is_empty()) {
        (Ok(plugin), true) => plugin,
        (Ok(_), false) => {
            return Err(vec![format!(
                "expected a load error containing {load_error:?}"
            )])
        }
        (Err(e), true) => return Err(vec![format!("load failed: {e:#}\nlog:\n{}", log())]),
        (Err(e), false) => {
            let message = format!("{e:#}\n{}", log());
            for want in &load_error {
                if !message.contains(want.as_str()) {
                    problems.push(format!("load error lacks {want:?}: {message}"));
                }
            }
            return if problems.is_empty() {
                Ok(())
            } else {
                Err(problems)
            };
        }
    };

    let raw_request =
        std::fs::read(dir.join("request.http")).map_err(|e| vec![format!("request.http: {e}")])?;
    let request = Request::parse(&raw_request).map_err(|e| vec![format!("request.http: {e}")])?;
    let origin = match std::fs::read(dir.join("origin.http")) {
        Ok(raw) => Response::parse(&raw).map_err(|e| vec![format!("origin.http: {e}")])?,
        Err(_) => Response::parse(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\norigin",
        )
        .unwrap(),
    };
    let cached = match std::fs::read(dir.join("cached.http")) {
        Ok(raw) => Some(Response::parse(&raw).map_err(|e| vec![format!("cached.http: {e}")])?),
        Err(_) => None,
    };
    let attached = [Attached {
        plugin: &plugin,
        role,
    }];
    let mut last = None;
    for id in 1..=int_of("transactions").unwrap_or(1) as u64 {
        let mut txn = SimTxn::new(id, "192.0.2.1:40000".parse().unwrap(), request.clone());
        txn.remap = remap.clone();
        txn.cached_response = cached.clone();
        let mut origin_fn = |_: &Request| origin.clone();
        simulator::run(&attached, &mut txn, &mut origin_fn, None);
        last = Some(txn);
    }
    let txn = last.expect("at least one transaction");

    if let Some(toml::Value::Table(want)) = expect.get("client_response") {
        let resp = txn.client_response.as_ref().expect("a client response");
        if let Some(status) = want.get("status").and_then(|v| v.as_integer()) {
            if i64::from(resp.status) != status {
                problems.push(format!(
                    "client status: expected {status}, got {}",
                    resp.status
                ));
            }
        }
        if let Some(body) = want.get("body").and_then(|v| v.as_str()) {
            if text(&resp.body) != body {
                problems.push(format!(
                    "client body: expected {body:?}, got {:?}",
                    text(&resp.body)
                ));
            }
        }
        check_headers("client response", &resp.headers, want, &mut problems);
    }
    if let Some(toml::Value::Table(want)) = expect.get("origin_request") {
        let contacted = want
            .get("contacted")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        match (&txn.server_request, contacted) {
            (None, true) => problems.push("the origin was not contacted".into()),
            (Some(_), false) => problems.push("the origin was contacted".into()),
            (Some(req), true) => {
                if let Some(method) = want.get("method").and_then(|v| v.as_str()) {
                    if req.method != method {
                        problems.push(format!(
                            "origin method: expected {method}, got {}",
                            req.method
                        ));
                    }
                }
                if let Some(target) = want.get("target").and_then(|v| v.as_str()) {
                    if req.url.target() != target {
                        problems.push(format!(
                            "origin target: expected {target}, got {}",
                            req.url.target()
                        ));
                    }
                }
                check_headers("origin request", &req.headers, want, &mut problems);
            }
            (None, false) => {}
        }
    }
    // A reload and an unload, as a proxy would do them (tslua's `__reload__` and `__clean__`).
    plugin.notify(PluginEvent::Reload);
    plugin.notify(PluginEvent::Unload);
    let stats = plugin.stats();
    // Its instances go, and with them what their output streams still held.
    drop(plugin);
    let log = log();
    for want in list_of("log") {
        if !log.contains(want.as_str()) {
            problems.push(format!("log lacks {want:?}; log was:\n{log}"));
        }
    }
    for unwanted in list_of("log_absent") {
        if log.contains(unwanted.as_str()) {
            problems.push(format!("log has {unwanted:?}; log was:\n{log}"));
        }
    }
    if let Some(n) = int_of("script_errors") {
        if stats.script_errors != n as u64 {
            problems.push(format!("script_errors: expected {n}, got {stats:?}"));
        }
    }
    let faults = stats.deadline_hits + stats.memory_cap_hits + stats.traps + stats.bad_replies;
    if faults != int_of("faults").unwrap_or(0) as u64 {
        problems.push(format!(
            "faults: expected {}, got {stats:?}",
            int_of("faults").unwrap_or(0)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[test]
fn every_conformance_case_passes() {
    let engine = Engine::new(PoolLimits { max_instances: 16 }).unwrap();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("compat/conformance exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.toml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "only {} cases found", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        match run_case(&engine, dir) {
            Ok(()) => eprintln!("ok   {name}"),
            Err(problems) => {
                eprintln!("FAIL {name}");
                failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
