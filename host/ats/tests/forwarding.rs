//! The request Traffic Server sends the origin and the response it sends the client, next to the
//! ones `tswasm run`'s in-memory proxy predicts, for the same client requests through the same
//! remap rule and script, and the same origin response: the versions, and every field in order
//! (the fields the proxy adds, the hop-by-hop fields it drops). Left out: the proxy's process UUID
//! and patch version, the date, and the lengths and counts that follow from them.

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

/// Passes requests on, but answers two paths itself: with a body, and with the proxy's page.
const SCRIPT: &str = "\
function do_remap()
  local uri = ts.client_request.get_uri()
  if uri == '/blocked' then
    ts.http.set_resp(403, 'Denied by policy\\n')
  elseif uri == '/missing' then
    ts.http.set_resp(404)
  end
  return 0
end
";

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
    "GET /blocked HTTP/1.1\r\nHost: fwd.test\r\nConnection: close\r\n\r\n",
    "GET /blocked HTTP/1.0\r\nHost: fwd.test\r\n\r\n",
    "GET /missing HTTP/1.1\r\nHost: fwd.test\r\nProxy-Connection: keep-alive\r\n\r\n",
];

/// The origin's response, as the test origin (tests/proxy) answers.
fn origin_response(echo: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 Origin\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         X-Origin-Count: 1\r\nServer: test-origin\r\nCache-Control: no-store\r\n\r\n{echo}",
        echo.len()
    )
    .into_bytes()
}

/// A message's head, line by line, with what differs from run to run cut: the UUID and version
/// in `Via` and `Server`, the date, lengths and counts.
fn comparable(head: &str) -> Vec<String> {
    head.split("\r\n")
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let cut = [
                " traffic_server[",
                "Server: ATS/",
                "Date: ",
                "Content-Length: ",
                "X-Origin-Count: ",
            ]
            .iter()
            .find_map(|marker| line.find(marker).map(|at| at + marker.len()));
            match cut {
                Some(at) => format!("{}...", &line[..at]),
                None => line.to_string(),
            }
        })
        .collect()
}

/// What the origin received and what the client received, for each request.
type Seen = Vec<(Vec<String>, Vec<String>)>;

fn in_traffic_server(origin: &Origin) -> Seen {
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
            let (head, body) = reply.split_once("\r\n\r\n").unwrap_or_default();
            let echoed: String = body
                .lines()
                .filter_map(|l| l.strip_prefix("> "))
                .map(|l| format!("{l}\r\n"))
                .collect();
            (comparable(&echoed), comparable(head))
        })
        .collect()
}

fn in_memory(origin_port: u16) -> Seen {
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
                    let raw = String::from_utf8(request.to_bytes()).unwrap();
                    let head = raw.split("\r\n\r\n").next().unwrap_or_default();
                    let echo: String = head.lines().map(|l| format!("> {l}\n")).collect();
                    sent = Some(raw);
                    Response::parse(&origin_response(&echo)).unwrap()
                },
                None,
            );
            let sent = sent.unwrap_or_default();
            let response = txn.client_response.expect("answered").to_bytes();
            (
                comparable(&sent),
                comparable(&String::from_utf8_lossy(&response)),
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
        assert!(expected.1.len() > 5, "{expected:?}");
        assert_eq!(predicted, expected, "for {raw:?}");
    }
}
