//! `ts.vconn` and `do_global_vconn_start` in a real Traffic Server: a TLS connection's start runs
//! the script under tslua.so and under tswasm.so alike (the client's address and descriptor, and
//! `disable_h2`, after which a client asking for HTTP/2 gets HTTP/1.1); a plain connection has
//! no such start; a script that never returns from it is stopped at its deadline and the
//! connection is served.

mod proxy;

use std::process::Command;

use proxy::{plugin_so, repo_root, Origin, Proxy};

/// The HTTP version curl got over TLS asking for `version`, and the response's `X-Vconn`.
fn over_tls(proxy: &Proxy, version: &str) -> (String, String) {
    let port = proxy.tls_port.expect("a TLS proxy");
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--insecure", "--max-time", "20"])
        .args([version, "--dump-header", "-", "--output", "/dev/null"])
        .args(["--write-out", "version=%{http_version}\n"])
        .arg(format!("https://127.0.0.1:{port}/tls"))
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with(prefix)
                    .then(|| l[prefix.len()..].trim().to_string())
            })
            .unwrap_or_default()
    };
    (field("version="), field("x-vconn: "))
}

#[test]
fn tslua_and_tswasm_run_the_same_connection_start() {
    let origin = Origin::start();
    let script = repo_root().join("host/ats/tests/scripts/vconn-start.lua");
    let start = |plugin: &str| {
        Proxy::start_tls(
            &[format!("{plugin} --states=1 {}", script.display())],
            &[format!("map / http://127.0.0.1:{}/", origin.port)],
        )
    };
    let tslua = start("tslua.so");
    let tswasm = start(&plugin_so().display().to_string());
    for proxy in [&tslua, &tswasm] {
        let plain = proxy.get("plain.test", "/plain", &[]);
        assert_eq!(
            plain.header("X-Vconn").as_deref(),
            Some("none"),
            "{plain:?}"
        );
    }
    let expected = over_tls(&tslua, "--http2");
    assert_eq!(
        expected,
        (
            "1.1".to_string(),
            "127.0.0.1,true,2,number,true,0".to_string()
        ),
        "tslua.so, as this test reads it"
    );
    assert_eq!(over_tls(&tswasm, "--http2"), expected, "{}", tswasm.logs());
    assert_eq!(over_tls(&tswasm, "--http1.1"), expected);

    // Without the script, the same client gets HTTP/2.
    let bare = Proxy::start_tls(&[], &[format!("map / http://127.0.0.1:{}/", origin.port)]);
    assert_eq!(over_tls(&bare, "--http2").0, "2");
}

#[test]
fn a_start_that_never_returns_is_cut_off_and_the_connection_served() {
    let origin = Origin::start();
    let dir = std::env::temp_dir().join(format!("tswasm-vconn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("endless.lua");
    std::fs::write(
        &script,
        "function do_global_vconn_start()\n  while true do end\nend\n\
         function do_global_send_response()\n  ts.client_response.header['X-Vconn'] = 'served'\nend\n",
    )
    .unwrap();
    let proxy = Proxy::start_tls(
        &[format!("{} {}", plugin_so().display(), script.display())],
        &[format!("map / http://127.0.0.1:{}/", origin.port)],
    );
    assert_eq!(
        over_tls(&proxy, "--http1.1"),
        ("1.1".to_string(), "served".to_string()),
        "{}",
        proxy.logs()
    );
    assert!(proxy.diags().contains("vconn-start"), "{}", proxy.diags());
}
