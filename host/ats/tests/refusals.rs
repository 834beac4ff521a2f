//! The ABI layer owns every rule about what a guest may ask: the refusals guest asks a real Traffic
//! Server for invalid names, values, URLs and statuses, and for calls at hooks that do not allow
//! them, and gets the same answers as on the in-memory proxy (whose answers host/tests/abi.rs
//! checks case by case).

mod proxy;

use std::sync::Arc;

use proxy::{guest, plugin_so, Origin, Proxy};
use tswasm::abi_types::LogLevel;
use tswasm::services::LocalServices;
use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, Request, Response, Role, SimTxn};
use tswasm::{Engine, Plugin, PoolLimits, Settings};

/// The `X-Refused-*` answers, case names lower-cased, sorted.
fn answers<'a>(headers: impl Iterator<Item = (&'a str, String)>) -> Vec<(String, String)> {
    let mut answers: Vec<(String, String)> = headers
        .filter_map(|(name, value)| {
            let case = name
                .to_ascii_lowercase()
                .strip_prefix("x-refused-")?
                .to_string();
            Some((case, value))
        })
        .collect();
    answers.sort();
    answers
}

fn in_memory() -> Vec<(String, String)> {
    let engine = Engine::new(PoolLimits { max_instances: 4 }).expect("engine");
    let services = Arc::new(LocalServices::new(LogLevel::Warning));
    let settings = Settings {
        states: 1,
        cache_dir: CacheDir::Off,
        ..Settings::default()
    };
    let plugin = Plugin::load(&engine, &guest("refusals"), settings, services).expect("loads");
    let request = Request::parse(b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n").expect("request");
    let mut txn = SimTxn::new(1, "127.0.0.1:40000".parse().unwrap(), request);
    let origin = Response::local(200, b"origin");
    let attached = [Attached {
        plugin: &plugin,
        role: Role::Global,
    }];
    simulator::run(&attached, &mut txn, &mut |_: &Request| origin.clone(), None);
    let response = txn.client_response.expect("answered");
    answers(response.headers.iter().map(|(name, value)| {
        (
            std::str::from_utf8(name).unwrap_or(""),
            String::from_utf8_lossy(value).into_owned(),
        )
    }))
}

#[test]
fn traffic_server_and_the_in_memory_proxy_refuse_the_same_calls() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        &[format!(
            "{} {}",
            plugin_so().display(),
            guest("refusals").display()
        )],
        &[format!("map / http://127.0.0.1:{}/", origin.port)],
        &[],
    );
    let reply = proxy.get("h", "/a", &[]);
    assert_eq!(reply.status, 200, "{reply:?}");
    let in_ats = answers(reply.headers.iter().map(|(n, v)| (n.as_str(), v.clone())));
    let expected = in_memory();
    assert!(expected.len() >= 30, "{expected:?}");
    assert_eq!(in_ats, expected, "{}", proxy.logs());
    // Nothing refused reached the origin.
    assert_eq!(reply.origin_saw("X-A"), None);
    assert_eq!(
        reply.origin_request_line().as_deref(),
        Some("GET /a HTTP/1.1")
    );
}
