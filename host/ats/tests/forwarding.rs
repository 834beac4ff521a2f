//! The request Traffic Server sends the origin, next to the one `tswasm run`'s in-memory proxy
//! predicts, for the same client requests through the same remap rule and script: the version,
//! and every field in order (the fields the proxy adds, the client's hop-by-hop fields it drops).
//! The proxy's process UUID and exact version in `Via` are the only parts left out.

mod proxy;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use proxy::{plugin_so, Origin, Proxy};
use tswasm::abi_types::LogLevel;
use tswasm::services::LocalServices;
use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, RemapRule, Request, Response, Role, SimTxn};
use tswasm::{Engine, Plugin, PoolLimits, Settings};

const SCRIPT: &str = "function do_remap()\n  return 0\nend\n";

/// Client requests, each sent alone on a connection the client then closes.
const REQUESTS: &[&str] = &[
    "GET http://fwd.test/absolute HTTP/1.0\r\n\r\n",
    "GET /plain HTTP/1.1\r\nHost: fwd.test\r\nUser-Agent: ua\r\nAccept: */*\r\nConnection: close\r\n\r\n",
    "GET /chain?q=1 HTTP/1.1\r\nHost: fwd.test\r\nX-Forwarded-For: 10.0.0.1\r\nVia: 1.0 upstream\r\n\
     Client-ip: 10.9.9.9\r\nConnection: close, X-Hop\r\nX-Hop: dropped?\r\nKeep-Alive: timeout=5\r\n\
     Proxy-Connection: keep-alive\r\nTE: trailers\r\n\r\n",
    "GET /http10 HTTP/1.0\r\nHost: fwd.test\r\nConnection: keep-alive\r\n\r\n",
    "GET /more HTTP/1.1\r\nHost: fwd.test\r\nUpgrade: h2c\r\nTrailer: X-T\r\n\
     Proxy-Authorization: Basic eDp5\r\nProxy-Authenticate: Basic\r\nX-Keep: yes\r\n\
     Max-Forwards: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
];

/// The request line and fields the origin saw, with the UUID and version in `Via` cut.
fn comparable(lines: impl Iterator<Item = String>) -> Vec<String> {
    lines
        .map(|line| match line.find(" traffic_server[") {
            Some(at) => format!("{} traffic_server[...]", &line[..at]),
            None => line,
        })
        .collect()
}

fn in_traffic_server(origin: &Origin) -> Vec<Vec<String>> {
    let dir = std::env::temp_dir().join(format!("tswasm-fwd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("nop.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let proxy = Proxy::start(
        &[],
        &[format!(
            "map http://fwd.test/ http://127.0.0.1:{}/ @plugin={} @pparam={}",
            origin.port,
            plugin_so().display(),
            script.display()
        )],
        &[],
    );
    REQUESTS
        .iter()
        .map(|raw| {
            let mut stream = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream.write_all(raw.as_bytes()).unwrap();
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let mut reply = Vec::new();
            let _ = stream.read_to_end(&mut reply);
            let reply = String::from_utf8_lossy(&reply).into_owned();
            comparable(
                reply
                    .lines()
                    .filter_map(|l| l.strip_prefix("> "))
                    .map(str::to_string),
            )
        })
        .collect()
}

fn in_memory(origin_port: u16) -> Vec<Vec<String>> {
    let dir = std::env::temp_dir().join(format!("tswasm-fwd-mem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("nop.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let engine = Engine::new(PoolLimits { max_instances: 2 }).expect("engine");
    let services = Arc::new(LocalServices::new(LogLevel::Warning));
    let settings = Settings {
        states: 1,
        cache_dir: CacheDir::Off,
        ..Settings::default()
    };
    let plugin = Plugin::load(&engine, &script, settings, services).expect("loads");
    REQUESTS
        .iter()
        .map(|raw| {
            let request = Request::parse(raw.as_bytes()).expect("request");
            let mut txn = SimTxn::new(1, "127.0.0.1:40000".parse().unwrap(), request);
            txn.remap = Some(
                RemapRule::parse(&format!("http://fwd.test/ http://127.0.0.1:{origin_port}/"))
                    .unwrap(),
            );
            let attached = [Attached {
                plugin: &plugin,
                role: Role::Remap,
            }];
            let mut sent = None;
            simulator::run(
                &attached,
                &mut txn,
                &mut |request: &Request| {
                    sent = Some(request.to_bytes());
                    Response::local(200, b"origin")
                },
                None,
            );
            let sent = String::from_utf8(sent.expect("the origin was asked")).unwrap();
            comparable(
                sent.split("\r\n")
                    .take_while(|l| !l.is_empty())
                    .map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn the_in_memory_proxy_predicts_the_origin_request() {
    let origin = Origin::start();
    let expected = in_traffic_server(&origin);
    let predicted = in_memory(origin.port);
    for ((raw, expected), predicted) in REQUESTS.iter().zip(&expected).zip(&predicted) {
        assert_eq!(predicted, expected, "for {raw:?}");
    }
}
