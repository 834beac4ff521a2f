//! Shared helpers for the integration tests: finding the built guests, loading them, running
//! transactions through the in-memory proxy.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tswasm::abi_types::LogLevel;
use tswasm::services::LocalServices;
use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, RemapRule, Request, Response, Role, SimTxn, TraceEntry};
use tswasm::{Engine, Plugin, PoolLimits, Settings};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A guest built by `scripts/build-guests`. Missing guests fail the test: they are part of the suite.
pub fn guest(name: &str) -> PathBuf {
    let path = repo_root()
        .join("target/guests")
        .join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run scripts/build-guests first",
        path.display()
    );
    path
}

/// One engine per test binary, as a proxy process has one.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(PoolLimits { max_instances: 200 }).expect("engine"))
}

pub fn settings(args: &[&str]) -> Settings {
    Settings {
        states: 2,
        cache_dir: CacheDir::Off,
        args: args.iter().map(|s| s.to_string()).collect(),
        ..Settings::default()
    }
}

pub fn load(name: &str, settings: Settings) -> (Plugin, Arc<LocalServices>) {
    let services = Arc::new(LocalServices::new(LogLevel::Warning));
    let plugin =
        Plugin::load(engine(), &guest(name), settings, services.clone()).expect("plugin loads");
    (plugin, services)
}

pub fn request(text: &str) -> Request {
    Request::parse(text.replace('\n', "\r\n").as_bytes()).expect("valid request fixture")
}

pub fn response(text: &str) -> Response {
    Response::parse(text.replace('\n', "\r\n").as_bytes()).expect("valid response fixture")
}

pub fn origin_ok() -> Response {
    response("HTTP/1.1 200 OK\nContent-Type: text/plain\nServer: Apache/2.4\nContent-Length: 6\n\norigin")
}

/// Runs one transaction through `plugins` (global unless a remap rule is given) and returns it with
/// its trace.
pub fn run(plugins: &[&Plugin], req: Request, remap: Option<&str>) -> (SimTxn, Vec<TraceEntry>) {
    run_with(plugins, req, remap, origin_ok(), "127.0.0.1:40000")
}

pub fn run_with(
    plugins: &[&Plugin],
    req: Request,
    remap: Option<&str>,
    origin: Response,
    client: &str,
) -> (SimTxn, Vec<TraceEntry>) {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let txn = SimTxn::new(id, client.parse().unwrap(), req);
    run_txn(plugins, txn, remap, origin)
}

/// Runs one transaction through global `plugins` with the id `id`, which picks the instance of
/// each plugin it runs on (`id` modulo the plugin's states).
pub fn run_as(id: u64, plugins: &[&Plugin], req: Request) -> (SimTxn, Vec<TraceEntry>) {
    let txn = SimTxn::new(id, "127.0.0.1:40000".parse().unwrap(), req);
    run_txn(plugins, txn, None, origin_ok())
}

fn run_txn(
    plugins: &[&Plugin],
    mut txn: SimTxn,
    remap: Option<&str>,
    origin: Response,
) -> (SimTxn, Vec<TraceEntry>) {
    txn.remap = remap.map(|r| RemapRule::parse(r).expect("valid remap rule"));
    let role = if remap.is_some() {
        Role::Remap
    } else {
        Role::Global
    };
    let attached: Vec<Attached> = plugins
        .iter()
        .map(|p| Attached { plugin: p, role })
        .collect();
    let mut trace = Vec::new();
    let mut origin_fn = |_: &Request| origin.clone();
    simulator::run(&attached, &mut txn, &mut origin_fn, Some(&mut trace));
    (txn, trace)
}

/// A header of a message as text, for assertions.
pub fn header(headers: &tswasm::simulator::Headers, name: &str) -> Option<String> {
    headers
        .get(name.as_bytes(), 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

pub fn headers_all(headers: &tswasm::simulator::Headers, name: &str) -> Vec<String> {
    (0..headers.count(name.as_bytes()))
        .map(|i| String::from_utf8_lossy(headers.get(name.as_bytes(), i).unwrap()).into_owned())
        .collect()
}
