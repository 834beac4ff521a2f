//! `ts.http.server_push` in a real Traffic Server over TLS: an HTTP/2 client (nghttp) asks for a
//! page whose script pushes resources, and gets the same promises and pushed responses from
//! tslua.so and tswasm.so; HTTP/1.1 clients, over TLS or not, get the page and nothing else.

mod proxy;

use std::process::Command;

use proxy::{plugin_so, repo_root, Origin, Proxy};

/// What an HTTP/2 client saw for `/page`: its `X-Pushed` header, and each promise as
/// "authority path", sorted. (Traffic Server promises the URL's path without its query.)
fn over_http2(proxy: &Proxy) -> (String, Vec<String>) {
    let port = proxy.tls_port.expect("a TLS proxy");
    let out = Command::new("nghttp")
        .args(["-nv", "-t", "20"])
        .arg(format!("https://127.0.0.1:{port}/page"))
        .output()
        .expect("nghttp runs (install Debian's nghttp2-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut authority, mut path) = (String::new(), String::new());
    let mut promised = Vec::new();
    let mut pushed = String::new();
    for line in text.lines() {
        if let Some(value) = line.split(":authority: ").nth(1) {
            authority = value.to_string();
        } else if let Some(value) = line.split(":path: ").nth(1) {
            path = value.to_string();
        } else if line.contains("recv PUSH_PROMISE frame") {
            promised.push(format!("{authority} {path}"));
        } else if let Some(value) = line.split("x-pushed: ").nth(1) {
            pushed = value.to_string();
        }
    }
    promised.sort();
    (pushed, promised)
}

#[test]
fn tslua_and_tswasm_push_the_same_resources() {
    let origin = Origin::start();
    let script = repo_root().join("host/ats/tests/scripts/server-push.lua");
    let start = |plugin: &str| {
        Proxy::start_tls(
            &[],
            &[format!(
                "map / http://127.0.0.1:{}/ @plugin={plugin} @pparam={}",
                origin.port,
                script.display()
            )],
        )
    };
    let tslua = start("tslua.so");
    let tswasm = start(&plugin_so().display().to_string());

    let expected = over_http2(&tslua);
    assert_eq!(
        expected,
        (
            "true,0 | true,0 | true,0 | false,1,bad argument #1 to '?' (string expected, got no value) \
             | false,1,bad argument #1 to '?' (string expected, got table)"
                .to_string(),
            vec![
                "other.test /app.js".to_string(),
                "push.test /style.css".to_string(),
            ]
        ),
        "tslua.so, as this test reads nghttp's output"
    );
    assert_eq!(over_http2(&tswasm), expected, "{}", tswasm.logs());

    // HTTP/1.1 has no pushes: the page alone, the calls returning as before.
    for proxy in [&tslua, &tswasm] {
        let reply = proxy.get("push.test", "/page", &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("X-Pushed"), Some(expected.0.clone()));
    }
}
