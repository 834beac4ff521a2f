//! String configuration overrides in a real Traffic Server, which keeps the value's pointer: each
//! transaction sees its own value, for as long as Traffic Server reads it (the Server header is
//! written when the response is sent), and values repeat across transactions.

mod proxy;

use proxy::{Origin, Proxy};

#[test]
fn a_string_override_holds_for_its_transaction() {
    let origin = Origin::start();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/config-string.lua");
    let mut proxy = Proxy::start(
        &[],
        &[format!(
            "map / http://127.0.0.1:{}/ @plugin={} @pparam={}",
            origin.port,
            proxy::plugin_so().display(),
            script.display()
        )],
        &[],
    );
    let default = proxy.get("a.test", "/", &[]);
    assert_eq!(default.status, 200, "{default:?}");
    let standard = default
        .header("Server")
        .expect("Traffic Server names itself");
    for round in 0..3 {
        for name in ["alpha/1", "beta/2"] {
            let reply = proxy.get("a.test", "/", &[("X-Server-Name", name)]);
            assert_eq!(
                reply.header("Server").as_deref(),
                Some(name),
                "round {round}: {reply:?}"
            );
            assert_eq!(reply.header("X-Config-Seen").as_deref(), Some(name));
        }
        let plain = proxy.get("a.test", "/", &[]);
        assert_eq!(
            plain.header("Server"),
            Some(standard.clone()),
            "round {round}"
        );
    }
    assert!(proxy.alive());
}
