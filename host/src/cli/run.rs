//! `tswasm run`: one transaction (or N) through a plugin on the in-memory proxy.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tswasm::abi_types::{Hook, LogLevel, PluginEvent};
use tswasm::artifact::Origin;
use tswasm::services::LocalServices;
use tswasm::simulator::{
    self, Attached, Headers, RemapRule, Request, Response, Role, SimTxn, TraceEntry,
};
use tswasm::txn::Transaction;
use tswasm::{Engine, HookPhase, Plugin, PoolLimits, Reply, Settings};
use wasmtime::error::Context;
use wasmtime::{bail, format_err, Result};

use super::Args;

/// Flags that belong to `run` itself; every other flag is a plugin setting.
const RUN_FLAGS: &[&str] = &[
    "request",
    "response",
    "remap",
    "repeat",
    "warmup",
    "client",
    "log-level",
];

pub fn main(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &["json"])?;
    let path = Path::new(args.single_positional("plugin file")?);
    let mut settings = Settings::default();
    for (name, value) in &args.options {
        if !RUN_FLAGS.contains(&name.as_str()) {
            settings
                .set(name, value)
                .with_context(|| format!("--{name}"))?;
        }
    }
    let Some(request_file) = args.value("request") else {
        bail!("missing --request REQ.http")
    };
    let request = read(request_file, Request::parse)?;
    let response = match args.value("response") {
        Some(file) => read(file, Response::parse)?,
        None => default_origin_response(),
    };
    let remap = args
        .value("remap")
        .map(RemapRule::parse)
        .transpose()
        .map_err(|e| format_err!("--remap: {e}"))?;
    let client: SocketAddr = args
        .value("client")
        .unwrap_or("127.0.0.1:50000")
        .parse::<SocketAddr>()
        .context("--client")?;
    let repeat: usize = args
        .value("repeat")
        .unwrap_or("1")
        .parse::<usize>()
        .context("--repeat: expected a count")?;
    if repeat == 0 {
        bail!("--repeat: must be at least 1");
    }
    let warmup = args
        .value("warmup")
        .unwrap_or("10")
        .parse::<usize>()
        .context("--warmup")?
        .min(repeat - 1);
    let level_name = args.value("log-level").unwrap_or("note");
    let level = *LogLevel::ALL
        .iter()
        .find(|l| l.name() == level_name)
        .with_context(|| format!("--log-level: unknown level `{level_name}`"))?;

    // A rule to run makes this a remap.config line; else a plugin.config line.
    if remap.is_some() {
        settings.role = Role::Remap;
    }
    let services = Arc::new(LocalServices::new(level));
    let engine = Engine::new(PoolLimits {
        max_instances: settings.states as u32 + 1,
    })?;
    let mut plugin = Plugin::load(&engine, path, settings.clone(), services.clone())?;
    if settings.role == Role::Remap && !plugin.declared_hooks().contains(Hook::Remap) {
        // Not a remap plugin: it runs as a plugin.config line would, with the rule mapping the
        // request. Loaded again so that it knows (its initialisation runs twice).
        eprintln!("tswasm: note: the plugin has no remap hook; it runs as a global plugin");
        drop(plugin);
        settings.role = Role::Global;
        plugin = Plugin::load(&engine, path, settings, services.clone())?;
    }
    report_load(&plugin);
    let declares_remap = plugin.declared_hooks().contains(Hook::Remap);
    let role = match (&remap, declares_remap) {
        (Some(_), true) => Role::Remap,
        (None, true) => {
            eprintln!(
                "tswasm: note: the plugin has a remap hook; give --remap 'FROM TO' to run it"
            );
            Role::Global
        }
        _ => Role::Global,
    };
    let attached = [Attached {
        plugin: &plugin,
        role,
    }];

    let mut origin = |_: &Request| response.clone();
    let mut trace: Vec<TraceEntry> = Vec::with_capacity(32);
    let mut times: Vec<Duration> = Vec::with_capacity(repeat);
    let mut last = None;
    for i in 0..repeat {
        if repeat > 1 && i == warmup {
            eprintln!("tswasm: steady state begins");
        }
        let mut txn = SimTxn::new(i as u64 + 1, client, request.clone());
        txn.remap = remap.clone();
        trace.clear();
        let started = Instant::now();
        simulator::run(&attached, &mut txn, &mut origin, Some(&mut trace));
        times.push(started.elapsed());
        if i + 1 == repeat {
            last = Some(txn);
        }
    }
    if repeat > 1 {
        eprintln!("tswasm: steady state ends");
        report_times(&mut times[warmup..]);
    }
    for entry in &trace {
        eprintln!("tswasm: {}", describe(entry));
    }
    // The run is over: the plugin is unloaded, as a proxy would at shutdown (tslua's `__clean__`).
    plugin.notify(PluginEvent::Unload);
    let stats = plugin.stats();
    if stats.deadline_hits + stats.memory_cap_hits + stats.traps + stats.bad_replies > 0 {
        eprintln!("tswasm: plugin stats: {stats:?}");
    }
    let txn = last.expect("repeat >= 1");
    if args.switch("json") {
        println!("{}", serde_json::to_string_pretty(&as_json(&txn, &trace))?);
    } else {
        print_raw(&txn)?;
    }
    Ok(())
}

fn read<T>(file: &str, parse: fn(&[u8]) -> Result<T>) -> Result<T> {
    let bytes = std::fs::read(file).with_context(|| format!("{file}: cannot read"))?;
    parse(&bytes).map_err(|e| format_err!("{file}: {e}"))
}

fn default_origin_response() -> Response {
    let mut response = Response::local(200, b"hello from the origin\n");
    response.headers = Headers::from_iter([
        (b"Content-Type".to_vec(), b"text/plain".to_vec()),
        (b"Content-Length".to_vec(), b"22".to_vec()),
        (b"Server".to_vec(), b"origin/1.0".to_vec()),
    ]);
    response
}

fn report_load(plugin: &Plugin) {
    let load = plugin.load_report();
    let how = match &load.origin {
        Origin::Compiled {
            cached_to: Some(path),
            ..
        } => format!("compiled (cached to {})", path.display()),
        Origin::Compiled {
            cache_refused: Some(why),
            ..
        } => format!("compiled (not cached: {why})"),
        Origin::Compiled { .. } => "compiled (not cached)".into(),
        Origin::Cached { path } => format!("loaded from the cache ({})", path.display()),
        Origin::Precompiled => "loaded (precompiled)".into(),
        Origin::Shared => "code shared with a plugin loaded before".into(),
    };
    eprintln!(
        "tswasm: loaded {}: {how} in {:.1} ms; {} instance(s) started in {:.1} ms; hooks: {}",
        plugin.path().display(),
        load.module_time.as_secs_f64() * 1e3,
        plugin.settings().states,
        load.instances_time.as_secs_f64() * 1e3,
        plugin
            .declared_hooks()
            .iter()
            .map(Hook::name)
            .collect::<Vec<_>>()
            .join(", "),
    );
}

fn report_times(times: &mut [Duration]) {
    if times.is_empty() {
        return;
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    eprintln!(
        "tswasm: {} transactions after warm-up: median {:.2} µs, p99 {:.2} µs per transaction",
        times.len(),
        at(0.5),
        at(0.99)
    );
}

fn reply_name(reply: Reply) -> &'static str {
    match reply {
        Reply::Action(action) => action.name(),
        Reply::Remap(status) => status.name(),
    }
}

fn describe(entry: &TraceEntry) -> String {
    let fault = entry
        .fault
        .map_or(String::new(), |f| format!(" after fault: {}", f.name()));
    let hook = match entry.phase {
        HookPhase::Global => entry.hook.name().to_string(),
        HookPhase::Txn => format!("{} (txn hook)", entry.hook.name()),
    };
    format!(
        "{hook:<22} -> {}{fault} ({:.1} µs)",
        reply_name(entry.reply),
        entry.elapsed.as_secs_f64() * 1e6
    )
}

fn print_raw(txn: &SimTxn) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match &txn.server_request {
        Some(request) => {
            writeln!(out, "--- request to origin ---")?;
            out.write_all(&request.to_bytes())?;
        }
        None => writeln!(
            out,
            "--- request to origin: none (answered by the proxy) ---"
        )?,
    }
    writeln!(out, "\n--- response to client ---")?;
    if let Some(response) = &txn.client_response {
        out.write_all(&response.to_bytes())?;
    }
    writeln!(out, "\n--- cache key: {} ---", cache_key(txn))?;
    Ok(())
}

fn headers_json(headers: &Headers) -> Value {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Value::Array(
        headers
            .iter()
            .map(|(n, v)| json!([text(n), text(v)]))
            .collect(),
    )
}

fn as_json(txn: &SimTxn, trace: &[TraceEntry]) -> Value {
    let origin_request = txn.server_request.as_ref().map(|r| {
        json!({
            "method": r.method, "target": r.url.target(), "version": r.version,
            "headers": headers_json(&r.headers), "body": String::from_utf8_lossy(&r.body),
        })
    });
    let client_response = txn.client_response.as_ref().map(|r| {
        json!({
            "status": r.status, "reason": r.reason, "version": r.version,
            "headers": headers_json(&r.headers), "body": String::from_utf8_lossy(&r.body),
        })
    });
    let trace: Vec<Value> = trace
        .iter()
        .map(|e| {
            json!({
                "hook": e.hook.name(), "reply": reply_name(e.reply),
                "txn_hook": e.phase == HookPhase::Txn,
                "fault": e.fault.map(|f| f.name()),
                "micros": (e.elapsed.as_secs_f64() * 1e7).round() / 10.0,
            })
        })
        .collect();
    json!({
        "origin_request": origin_request,
        "client_response": client_response,
        "cache_key": cache_key(txn),
        "trace": trace,
    })
}

/// The key the cache would use: the plugin's, or the request URL.
fn cache_key(txn: &SimTxn) -> String {
    let mut key = Vec::new();
    let _ = txn.cache_key_get(&mut key);
    String::from_utf8_lossy(&key).into_owned()
}
