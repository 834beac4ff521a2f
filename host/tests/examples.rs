//! The example plugins do what their documentation says, on the in-memory proxy.

mod common;

use common::*;

#[test]
fn security_headers_are_added_and_software_banners_removed() {
    let (plugin, _) = load(
        "security-headers",
        settings(&["Content-Security-Policy: default-src 'self'"]),
    );
    let origin = response(
        "HTTP/1.1 200 OK\nServer: Apache/2.4.1\nX-Powered-By: PHP/5.6\nX-Frame-Options: SAMEORIGIN\nContent-Length: 2\n\nhi",
    );
    let (txn, _) = run_with(
        &[&plugin],
        request("GET / HTTP/1.1\nHost: a.example\n\n"),
        None,
        origin,
        "127.0.0.1:1",
    );
    let resp = txn.client_response.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        header(&resp.headers, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        headers_all(&resp.headers, "X-Frame-Options"),
        ["DENY"],
        "replaced, not duplicated"
    );
    assert_eq!(
        header(&resp.headers, "Content-Security-Policy").as_deref(),
        Some("default-src 'self'")
    );
    assert!(header(&resp.headers, "Strict-Transport-Security")
        .unwrap()
        .starts_with("max-age="));
    assert_eq!(header(&resp.headers, "Server"), None);
    assert_eq!(header(&resp.headers, "X-Powered-By"), None);
    assert_eq!(resp.body, b"hi");
}

#[test]
fn security_headers_refuses_a_malformed_argument() {
    let services = std::sync::Arc::new(tswasm::services::LocalServices::new(
        tswasm::abi_types::LogLevel::Error,
    ));
    let err = tswasm::Plugin::load(
        engine(),
        &guest("security-headers"),
        settings(&["no colon"]),
        services,
    )
    .err()
    .expect("load fails");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("security-headers.wasm") && msg.contains("refused to start"),
        "{msg}"
    );
}

#[test]
fn paths_are_normalised_before_the_origin_sees_them() {
    let (plugin, _) = load("path-normalize", settings(&[]));
    let cases = [
        ("/a//b///c", "/a/b/c"),
        ("/static/./css/../img/logo.png", "/static/img/logo.png"),
        ("/../../etc/passwd", "/etc/passwd"),
        ("/%7euser/%41%2f%2e", "/~user/A%2F."),
        ("/dir//", "/dir/"),
        ("/bad%zz?q=%2f", "/bad%zz?q=%2f"),
        ("/already/fine?x=1", "/already/fine?x=1"),
    ];
    for (input, expected) in cases {
        let (txn, _) = run(
            &[&plugin],
            request(&format!("GET {input} HTTP/1.1\nHost: h\n\n")),
            None,
        );
        assert_eq!(
            txn.server_request.unwrap().url.target(),
            expected,
            "for {input}"
        );
    }
}

#[test]
fn path_normalize_can_redirect_instead() {
    let (plugin, _) = load("path-normalize", settings(&["redirect"]));
    let (txn, _) = run(
        &[&plugin],
        request("GET /a//b?x=1 HTTP/1.1\nHost: h\n\n"),
        None,
    );
    assert!(txn.server_request.is_none(), "the origin is not contacted");
    let resp = txn.client_response.unwrap();
    assert_eq!(resp.status, 301);
    assert_eq!(
        header(&resp.headers, "Location").as_deref(),
        Some("/a/b?x=1")
    );
}

#[test]
fn access_control_answers_403_locally_unless_the_client_is_allowed() {
    let (plugin, services) = load(
        "access-control",
        settings(&[
            "deny-path=/admin",
            "allow-ip=10.0.0.0/8",
            "deny-method=TRACE",
        ]),
    );
    let outside = |path: &str, method: &str, client: &str| {
        let req = request(&format!("{method} {path} HTTP/1.1\nHost: h\n\n"));
        run_with(&[&plugin], req, None, origin_ok(), client).0
    };
    let denied = outside("/admin/users", "GET", "192.0.2.7:5000");
    assert!(
        denied.server_request.is_none(),
        "a denied request never reaches the origin"
    );
    let resp = denied.client_response.unwrap();
    assert_eq!(
        (resp.status, resp.body.as_slice()),
        (403, &b"Forbidden\n"[..])
    );
    assert_eq!(
        header(&resp.headers, "Content-Type").as_deref(),
        Some("text/plain")
    );

    assert_eq!(
        outside("/admin", "GET", "10.9.8.7:5000")
            .client_response
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        outside("/administrator", "GET", "192.0.2.7:5000")
            .client_response
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        outside("/public", "TRACE", "10.9.8.7:5000")
            .client_response
            .unwrap()
            .status,
        403
    );
    let denials = services
        .stats()
        .into_iter()
        .find(|(n, _)| n == "access_control.denied")
        .unwrap()
        .1;
    assert_eq!(denials, 2);
}

#[test]
fn cache_key_plugin_routes_by_the_rule_and_keys_without_tracking_parameters() {
    let (plugin, _) = load("cache-key", settings(&["sessionid"]));
    let rule = Some("http://shop.example.com/shop/ http://127.0.0.1:8080/store/");
    let req = |q: &str| {
        request(&format!(
            "GET /shop/item?{q} HTTP/1.1\nHost: shop.example.com\n\n"
        ))
    };

    let (a, trace) = run(&[&plugin], req("b=2&utm_source=news&a=1&sessionid=9"), rule);
    assert!(trace
        .iter()
        .any(|e| e.hook == tswasm::abi_types::Hook::Remap));
    let sent = a.server_request.as_ref().unwrap();
    assert_eq!(
        sent.url.target(),
        "/store/item?b=2&utm_source=news&a=1&sessionid=9",
        "origin query untouched"
    );
    assert_eq!(
        header(&sent.headers, "Host").as_deref(),
        Some("127.0.0.1:8080")
    );
    assert_eq!(
        a.cache_key.as_deref(),
        Some(&b"127.0.0.1/store/item?a=1&b=2"[..])
    );

    let (b, _) = run(&[&plugin], req("a=1&b=2&fbclid=x"), rule);
    assert_eq!(
        a.cache_key, b.cache_key,
        "tracking parameters and order do not split the cache"
    );
}
