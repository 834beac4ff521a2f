//! Pieces of the in-process benchmarks: plugins loaded on the in-memory proxy and one transaction
//! through them, the request every workload benchmark sends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tswasm::abi_types::{LogLevel, ProxyInfo, RecordType, StatKind, TextLogMode};
use tswasm::services::{LocalServices, Services};
use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, RemapRule, Request, Response, Role, SimTxn};
use tswasm::txn::{AbiResult, ConfigValue};
use tswasm::{Engine, Plugin, Settings};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ is inside the repository")
        .to_path_buf()
}

/// A guest built by scripts/build-guests.
pub fn guest(name: &str) -> PathBuf {
    let path = root().join("target/guests").join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} missing: run scripts/build-guests",
        path.display()
    );
    path
}

/// A workload file (benches/workload).
pub fn workload(file: &str) -> PathBuf {
    root().join("benches/workload").join(file)
}

pub fn settings(states: usize, cache: CacheDir, args: &[&str]) -> Settings {
    Settings {
        states,
        cache_dir: cache,
        args: args.iter().map(|s| s.to_string()).collect(),
        ..Settings::default()
    }
}

/// Loads a plugin (a .wasm, .cwasm or .lua); errors are logged only.
pub fn load(engine: &Engine, path: &Path, settings: Settings) -> Plugin {
    Plugin::load(
        engine,
        path,
        settings,
        Arc::new(LocalServices::new(LogLevel::Error)),
    )
    .unwrap_or_else(|e| panic!("{} loads: {e:#}", path.display()))
}

/// As [`load`], with log lines formatted but not written: for cases that log on every transaction
/// (faults), where writing thousands of lines to the terminal would be the thing measured.
pub fn load_quiet(engine: &Engine, path: &Path, settings: Settings) -> Plugin {
    Plugin::load(
        engine,
        path,
        settings,
        Arc::new(Quiet(LocalServices::new(LogLevel::Error))),
    )
    .unwrap_or_else(|e| panic!("{} loads: {e:#}", path.display()))
}

/// [`LocalServices`] without its log output.
struct Quiet(LocalServices);

impl Services for Quiet {
    fn log(&self, _level: LogLevel, _tag: &str, message: &str) {
        std::hint::black_box(message);
    }
    fn log_enabled(&self, level: LogLevel, tag: &str) -> bool {
        self.0.log_enabled(level, tag)
    }
    fn stat_create(&self, name: &str, kind: StatKind) -> AbiResult<u32> {
        self.0.stat_create(name, kind)
    }
    fn stat_find(&self, name: &str) -> AbiResult<u32> {
        self.0.stat_find(name)
    }
    fn stat_add(&self, id: u32, delta: i64) -> AbiResult<()> {
        self.0.stat_add(id, delta)
    }
    fn stat_set(&self, id: u32, value: i64) -> AbiResult<()> {
        self.0.stat_set(id, value)
    }
    fn stat_get(&self, id: u32) -> AbiResult<i64> {
        self.0.stat_get(id)
    }
    fn proxy_info(&self, key: ProxyInfo) -> Option<String> {
        self.0.proxy_info(key)
    }
    fn record(&self, kind: RecordType, name: &str) -> AbiResult<ConfigValue> {
        self.0.record(kind, name)
    }
    fn config_file_add(&self, parent: &str, file: &str) -> AbiResult<()> {
        self.0.config_file_add(parent, file)
    }
    fn text_log_create(&self, name: &str, mode: TextLogMode) -> AbiResult<()> {
        self.0.text_log_create(name, mode)
    }
    fn text_log_write(&self, name: &str, text: &[u8]) -> AbiResult<()> {
        self.0.text_log_write(name, text)
    }
    fn text_log_destroy(&self, name: &str) -> AbiResult<()> {
        self.0.text_log_destroy(name)
    }
}

/// The cache directory the benchmarks share, so a .lua plugin compiles its guest once.
pub fn cache() -> CacheDir {
    CacheDir::Path(root().join("target/bench/cache"))
}

/// The request the end-to-end benchmark sends (crate::load::PATH), as the client sends it.
pub fn request() -> Request {
    let raw = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: bench\r\nAccept: */*\r\nX-Debug: 1\r\n\r\n",
        crate::load::PATH,
        crate::load::HOST
    );
    Request::parse(raw.as_bytes()).expect("the benchmark request parses")
}

/// The origin's answer.
pub fn response() -> Response {
    Response::parse(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: tswasm-origin\r\nCache-Control: max-age=10\r\nContent-Length: 2\r\n\r\nok",
    )
    .expect("the benchmark response parses")
}

/// The remap rule of the end-to-end benchmark.
pub fn rule() -> RemapRule {
    RemapRule::parse(&format!(
        "http://{}/ http://127.0.0.1:8081/",
        crate::load::HOST
    ))
    .expect("the benchmark rule parses")
}

/// One transaction through `plugins` (global ones, then the remap rule's) on the in-memory proxy;
/// returns it finished, for a caller to inspect or drop.
pub struct Transactions<'a> {
    attached: Vec<Attached<'a>>,
    request: Request,
    response: Response,
    rule: Option<RemapRule>,
    next_id: u64,
}

impl<'a> Transactions<'a> {
    pub fn new(global: &[&'a Plugin], remap: &[&'a Plugin]) -> Transactions<'a> {
        let role = |role| move |plugin: &&'a Plugin| Attached { plugin, role };
        let attached: Vec<Attached<'a>> = global
            .iter()
            .map(role(Role::Global))
            .chain(remap.iter().map(role(Role::Remap)))
            .collect();
        Transactions {
            attached,
            request: request(),
            response: response(),
            rule: Some(rule()),
            next_id: 0,
        }
    }

    /// Sends this request instead of the benchmark's.
    pub fn set_request(&mut self, request: Request) {
        self.request = request;
    }

    pub fn run(&mut self) -> SimTxn {
        self.next_id += 1;
        let mut txn = SimTxn::new(
            self.next_id,
            "127.0.0.1:4000".parse().unwrap(),
            self.request.clone(),
        );
        txn.remap = self.rule.clone();
        let response = &self.response;
        let mut origin = |_: &Request| response.clone();
        simulator::run(&self.attached, &mut txn, &mut origin, None);
        txn
    }
}
