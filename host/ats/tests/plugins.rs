//! tswasm.so in a real Traffic Server: the example Rust guests and Lua scripts, global and remap,
//! checked with real HTTP requests (status, headers, body, and what the origin received).

mod proxy;

use proxy::{guest, plugin_so, repo_root, Origin, Proxy};

#[test]
fn example_guests_and_lua_scripts_serve_real_requests() {
    let origin = Origin::start();
    let so = plugin_so();
    let so = so.display();
    let o = origin.port;
    let script = |p: &str| repo_root().join(p).display().to_string();
    let global_lua = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts/global.lua")
        .display()
        .to_string();
    let mut proxy = Proxy::start(
        &[
            format!("{so} --states=2 {}", guest("security-headers").display()),
            format!("{so} {global_lua}"),
            format!("{so} {}", guest("path-normalize").display()),
            format!(
                "{so} {} deny-path=/admin allow-ip=10.0.0.0/8",
                guest("access-control").display()
            ),
        ],
        &[
            format!(
                "map http://lua.test/ http://127.0.0.1:{o}/ @plugin={so} @pparam={} @pparam=https://app.example.com",
                script("examples/lua/cors-and-routing.lua")
            ),
            format!(
                "map http://shop.test/shop/ http://127.0.0.1:{o}/cacheable/store/ @plugin={so} @pparam={} @pparam=sessionid",
                guest("cache-key").display()
            ),
            format!("map / http://127.0.0.1:{o}/"),
        ],
        &[],
    );

    // Global Rust guest and global Lua script on every transaction.
    let plain = proxy.get("plain.test", "/hello", &[]);
    assert_eq!(plain.status, 200, "{plain:?}");
    assert_eq!(
        plain.header("X-Content-Type-Options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(plain.header("X-Frame-Options").as_deref(), Some("DENY"));
    assert_eq!(plain.header("Server"), None, "the banner is removed");
    assert_eq!(
        plain.origin_saw("X-Lua-Global").as_deref(),
        Some("read-request")
    );
    assert_eq!(plain.header("X-Lua-Status").as_deref(), Some("200"));
    let seen: i64 = plain.header("X-Lua-Seen").unwrap().parse().unwrap();
    let again = proxy.get("plain.test", "/hello", &[]);
    assert!(
        again.header("X-Lua-Seen").unwrap().parse::<i64>().unwrap() >= 1 && seen >= 1,
        "a per-state global counts requests"
    );

    // The Lua remap script: a CORS preflight answered locally, a GET with CORS headers.
    let preflight = proxy.request(
        "OPTIONS",
        "lua.test",
        "/api/items",
        &[("Origin", "https://app.example.com")],
    );
    assert_eq!(preflight.status, 204, "{preflight:?}");
    assert_eq!(
        preflight.header("Access-Control-Allow-Origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(
        preflight.header("X-Origin-Count"),
        None,
        "not sent to the origin"
    );
    let get = proxy.get(
        "lua.test",
        "/api/items",
        &[("Origin", "https://app.example.com")],
    );
    assert_eq!(get.status, 200);
    assert_eq!(get.header("Vary").as_deref(), Some("Origin"));
    assert!(get.header("X-Cache-Status").is_some(), "{get:?}");
    let stranger = proxy.get(
        "lua.test",
        "/api/items",
        &[("Origin", "https://evil.example")],
    );
    assert_eq!(stranger.header("Access-Control-Allow-Origin"), None);

    // The cache-key guest: routed by the rule; tracking parameters do not split the cache.
    let first = proxy.get(
        "shop.test",
        "/shop/item?b=2&utm_source=news&a=1&sessionid=9",
        &[],
    );
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(
        first.origin_request_line().as_deref(),
        Some("GET /cacheable/store/item?b=2&utm_source=news&a=1&sessionid=9 HTTP/1.1")
    );
    let second = proxy.get("shop.test", "/shop/item?a=1&b=2&fbclid=x", &[]);
    assert_eq!(
        second.header("X-Origin-Count"),
        first.header("X-Origin-Count"),
        "the second request is a cache hit under the same key"
    );

    // The access-control guest (global) answers 403 itself; other paths pass.
    let denied = proxy.get("plain.test", "/admin/users", &[]);
    assert_eq!(denied.status, 403, "{denied:?}");
    assert_eq!(denied.body, "Forbidden\n");
    assert_eq!(denied.header("Content-Type").as_deref(), Some("text/plain"));
    assert_eq!(denied.header("X-Origin-Count"), None);
    assert_eq!(
        denied.header("X-Frame-Options").as_deref(),
        Some("DENY"),
        "a local response still gets the send-response hooks"
    );
    assert_eq!(proxy.get("plain.test", "/public", &[]).status, 200);

    // The path-normalize guest (global): the origin sees the cleaned path.
    let messy = proxy.get("plain.test", "/a//b/./c/../d", &[]);
    assert_eq!(
        messy.origin_request_line().as_deref(),
        Some("GET /a/b/d HTTP/1.1")
    );

    assert!(proxy.alive());
    assert!(
        !proxy.diags().contains("ERROR: [tswasm]"),
        "no tswasm errors:\n{}",
        proxy.diags()
    );
}
