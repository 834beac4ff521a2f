//! The client connection's TLS facts (`ts.client_request.get_ssl_*`) over real TLS: tslua.so and
//! tswasm.so, each in a Traffic Server listening for TLS, must report the same protocol, cipher,
//! key-exchange group and session resumption to the same clients.

mod proxy;

use std::process::Command;

use proxy::{plugin_so, repo_root, Origin, Proxy};

/// The `X-Tls` header of each response when curl asks `requests` times over TLS with `options`,
/// each request on a new connection (curl resumes the TLS session it kept from the one before).
fn tls_facts(proxy: &Proxy, options: &[&str], requests: usize) -> Vec<String> {
    let port = proxy.tls_port.expect("a TLS proxy");
    let url = format!("https://127.0.0.1:{port}/tls");
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--insecure", "--max-time", "20"])
        .args([
            "--http1.1",
            "--dump-header",
            "-",
            "--header",
            "Connection: close",
        ])
        .args(options)
        .args((0..requests).flat_map(|_| ["--output", "/dev/null", url.as_str()]))
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let headers = String::from_utf8_lossy(&out.stdout);
    let facts: Vec<String> = headers
        .lines()
        .filter_map(|line| line.strip_prefix("X-Tls: "))
        .map(|facts| facts.trim().to_string())
        .collect();
    assert_eq!(
        facts.len(),
        requests,
        "every response has X-Tls:\n{headers}"
    );
    facts
}

#[test]
fn tslua_and_tswasm_report_the_same_tls_facts() {
    let origin = Origin::start();
    let script = repo_root().join("host/ats/tests/scripts/tls-facts.lua");
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

    for options in [&["--tlsv1.3"][..], &["--tlsv1.2", "--tls-max", "1.2"]] {
        let expected = tls_facts(&tslua, options, 2);
        let got = tls_facts(&tswasm, options, 2);
        assert_eq!(got, expected, "curl {options:?}");
        // Real values, not the "-" of a plain connection: TLS 1.3 or 1.2 as asked, a cipher and
        // a group, and the second connection resuming the first one's session.
        let version = if options[0] == "--tlsv1.3" {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        };
        let first: Vec<&str> = got[0].split(',').collect();
        assert_eq!(first[..2], ["0", version], "{got:?}");
        assert!(
            first[2..].iter().all(|v| !matches!(*v, "nil" | "-" | "")),
            "{got:?}"
        );
        assert!(got[1].starts_with(&format!("1,{version},")), "{got:?}");
    }

    // Plain HTTP on the same proxies: no TLS.
    for proxy in [&tslua, &tswasm] {
        let reply = proxy.get("plain.test", "/tls", &[]);
        assert_eq!(
            reply.header("X-Tls").as_deref(),
            Some("0,-,-,-"),
            "{reply:?}"
        );
    }
}
