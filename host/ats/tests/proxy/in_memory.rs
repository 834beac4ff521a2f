//! `tswasm run`'s in-memory proxy set up like a [`super::Proxy`]: the same scripts, global and per
//! remap rule, the same files in its configuration directory, and the same origin on loopback (it
//! forwards over TCP); so a test can send both the same requests and compare what they answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tswasm::abi_types::LogLevel;
use tswasm::services::LocalServices;
use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, RemapRule, Request, Response, Role, SimTxn};
use tswasm::{Engine, Plugin, PoolLimits, Settings};

use super::{parse_reply, Reply};

/// A remap rule: requests for `host` whose path starts with the rule's are mapped, and run its
/// plugin (if any) as a remap plugin.
struct Rule {
    rule: RemapRule,
    plugin: Option<Plugin>,
}

pub struct InMemory {
    globals: Vec<Plugin>,
    rules: Vec<Rule>,
    services: Arc<LocalServices>,
    engine: Engine,
    config_dir: PathBuf,
    origin_port: u16,
    transactions: u64,
}

impl InMemory {
    /// An in-memory proxy forwarding to the origin on `origin_port`, with these files in its
    /// configuration directory: (path relative to it, contents).
    pub fn new(origin_port: u16, config_files: &[(&str, &str)]) -> InMemory {
        let config_dir = std::env::temp_dir().join(format!(
            "tswasm-in-memory-{}-{}",
            std::process::id(),
            super::NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        for (name, contents) in config_files {
            let file = config_dir.join(name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, contents).unwrap();
        }
        std::fs::create_dir_all(&config_dir).unwrap();
        InMemory {
            globals: Vec::new(),
            rules: Vec::new(),
            services: Arc::new(LocalServices::new(LogLevel::Warning).with_config_dir(&config_dir)),
            engine: Engine::new(PoolLimits { max_instances: 128 }).expect("engine"),
            config_dir,
            origin_port,
            transactions: 0,
        }
    }

    fn load(&self, script: &Path, args: &[&str], role: Role) -> Plugin {
        let settings = Settings {
            states: 1,
            cache_dir: CacheDir::Off,
            args: args.iter().map(|a| a.to_string()).collect(),
            role,
            ..Settings::default()
        };
        Plugin::load(&self.engine, script, settings, self.services.clone())
            .unwrap_or_else(|e| panic!("{} loads in memory: {e:#}", script.display()))
    }

    /// A plugin.config line: the script runs on every transaction.
    pub fn global(&mut self, script: &Path, args: &[&str]) {
        let plugin = self.load(script, args, Role::Global);
        self.globals.push(plugin);
    }

    /// A remap.config line `map FROM TO`, with a script or not. Rules are tried in order.
    pub fn map(&mut self, from: &str, to: &str, script: Option<(&Path, &[&str])>) {
        let plugin = script.map(|(script, args)| self.load(script, args, Role::Remap));
        self.rules.push(Rule {
            rule: RemapRule::parse(&format!("{from} {to}")).expect("a remap rule"),
            plugin,
        });
    }

    /// Sends a request as [`super::Proxy::request`] does, and returns what the client got; `None`
    /// if the proxy would have had to look the origin's name up (the in-memory proxy has no DNS:
    /// `tswasm run` answers every request for an origin with the response it was given).
    pub fn request(
        &mut self,
        method: &str,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Option<Reply> {
        let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("Connection: close\r\n\r\n");
        let request = Request::parse(text.as_bytes()).expect("a request");
        self.transactions += 1;
        let client = format!("127.0.0.1:{}", 40000 + self.transactions % 20000);
        let mut txn = SimTxn::new(self.transactions, client.parse().unwrap(), request);
        let rule = self.rules.iter().find(|r| {
            let prefix = r.rule.from.path.trim_start_matches('/');
            r.rule.from.host.eq_ignore_ascii_case(host)
                && path.trim_start_matches('/').starts_with(prefix)
        });
        txn.remap = rule.map(|r| r.rule.clone());
        let mut attached: Vec<Attached> = self
            .globals
            .iter()
            .map(|plugin| Attached {
                plugin,
                role: Role::Global,
            })
            .collect();
        attached.extend(rule.and_then(|r| r.plugin.as_ref()).map(|plugin| Attached {
            plugin,
            role: Role::Remap,
        }));
        let port = self.origin_port;
        let mut named_origin = false;
        simulator::run(
            &attached,
            &mut txn,
            &mut |request: &Request| {
                let mut url = request.url.clone();
                if url.host.is_empty() {
                    let host = request.headers.get(b"Host", 0).unwrap_or_default();
                    url.host = String::from_utf8_lossy(host).into_owned();
                }
                let host = url.host.split(':').next().unwrap_or_default();
                named_origin |= host.parse::<std::net::IpAddr>().is_err();
                forward(port, request)
            },
            None,
        );
        if named_origin {
            return None;
        }
        let response = txn.client_response.expect("the client was answered");
        Some(parse_reply(&response.to_bytes()).expect("an HTTP response"))
    }
}

/// The origin's answer to `request`, over a connection of its own.
fn forward(port: u16, request: &Request) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the origin accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(&request.to_bytes()).unwrap();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    Response::parse(&raw).expect("the origin answers HTTP")
}

impl Drop for InMemory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.config_dir);
    }
}

/// What tests compare of a reply: status, headers but the per-process and per-moment ones (the
/// proxy's patch version too, which the in-memory proxy cannot know, and so a length that is the
/// body's), the body with the origin's echo minus its per-process lines.
pub fn comparable(reply: &Reply) -> String {
    let mut out = format!("status {}\n", reply.status);
    let body_length = reply.body.len().to_string();
    for (name, value) in &reply.headers {
        if ["date", "age", "x-origin-count"].contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let value = match value.strip_prefix("ATS/9.2") {
            // The server string, as the header or as a setting a script read.
            Some(patch) if patch.starts_with('.') || name.eq_ignore_ascii_case("server") => {
                "ATS/9.2"
            }
            _ if name.eq_ignore_ascii_case("content-length") && *value == body_length => {
                "(the body's length)"
            }
            _ => value,
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    for line in reply.body.lines() {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("> via:") || lower.starts_with("> host: 127.0.0.1:") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
