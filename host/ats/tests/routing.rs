//! Controls of the transaction's connections that only a real proxy shows: `set_addr` sends the
//! request to another origin than the remap rule's, and `client_packet_tos_set` marks the
//! client socket (read back with `ss`, where the proxy's socket options let it). tslua.so and
//! tswasm.so run the same script; tswasm.so also refuses a parent proxy on port 0, on which
//! tslua.so makes Traffic Server abort.

mod proxy;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use proxy::{plugin_so, repo_root, Origin, Proxy};

/// One keep-alive request; returns the status and the still-open connection.
fn keep_alive_request(proxy: &Proxy, origin_port: u16) -> (u16, TcpStream) {
    let mut stream = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /routed HTTP/1.1\r\nHost: routed.test\r\nX-Origin-Port: {origin_port}\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    (status, stream)
}

/// The type of service of the proxy's socket to `client` (`ss` reads it from the kernel).
fn proxy_socket_tos(proxy: &Proxy, client: &TcpStream) -> Option<String> {
    let client_port = client.local_addr().unwrap().port();
    let out = Command::new("ss")
        .args(["-tn", "--tos", "state", "established"])
        .arg(format!(
            "( sport = :{} and dport = :{client_port} )",
            proxy.port
        ))
        .output()
        .expect("ss runs (iproute2)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|word| word.strip_prefix("tos:"))
        .map(str::to_string)
}

#[test]
fn set_addr_and_packet_tos_act_on_the_real_connections() {
    let origin = Origin::start();
    // A port nobody listens on: only a request sent elsewhere by the script succeeds.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = repo_root().join("host/ats/tests/scripts/routing.lua");
    for plugin in ["tslua.so".to_string(), plugin_so().display().to_string()] {
        let proxy = Proxy::start(
            &[],
            &[format!(
                "map http://routed.test/ http://127.0.0.1:{dead}/ @plugin={plugin} @pparam={}",
                script.display()
            )],
            // Traffic Server applies a packet's type of service only with this socket option on
            // (0x20, besides its defaults).
            &["CONFIG proxy.config.net.sock_option_flag_in INT 0x25"],
        );
        let (status, connection) = keep_alive_request(&proxy, origin.port);
        assert_eq!(
            status, 200,
            "{plugin}: set_addr sent the request to the live origin"
        );
        assert_eq!(
            proxy_socket_tos(&proxy, &connection).as_deref(),
            Some("0x38"),
            "{plugin}: the client socket's type of service"
        );
        if plugin != "tslua.so" {
            // Port 0, on which tslua.so makes Traffic Server abort: refused, the proxy serves on.
            let port = origin.port.to_string();
            let headers = [("X-Origin-Port", port.as_str()), ("X-Parent-Port", "0")];
            let reply = proxy.get("routed.test", "/zero", &headers);
            assert_eq!(reply.status, 200, "{reply:?}");
            assert_eq!(reply.header("X-Parent").as_deref(), Some("nil,-1"));
            let headers = [("X-Origin-Port", port.as_str()), ("X-Parent-Port", "3128")];
            let reply = proxy.get("routed.test", "/kept", &headers);
            assert_eq!(
                reply.header("X-Parent").as_deref(),
                Some("parent.example,3128")
            );
        }
    }
}
