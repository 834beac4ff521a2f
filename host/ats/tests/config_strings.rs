//! String configuration overrides in a real Traffic Server, which keeps the value's pointer: each
//! transaction sees its own value, for as long as Traffic Server reads it (the Server header is
//! written when the response is sent), and values repeat across transactions.

mod proxy;

use proxy::in_memory::{comparable, InMemory};
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

/// Reads the string setting the request names, twice: as the transaction started, and after
/// setting it.
const READ_AND_SET: &str = "
function do_remap()
  local key = _G[ts.client_request.header['X-Setting']]
  local function read()
    local ok, value = pcall(ts.http.config_string_get, key)
    return ok and tostring(value) or 'error'
  end
  local before = read()
  ts.http.config_string_set(key, 'ipv4;ipv6')
  ts.http.set_resp(200, before .. '|' .. read() .. '\\n')
  return 0
end
";

/// The string settings tslua.so reads as uninitialised memory, and the one whose read crashes
/// Traffic Server under it: tswasm.so reads them as nil (Traffic Server has no case for them) and
/// empty (unset), and keeps serving; the in-memory proxy predicts each.
#[test]
fn string_settings_traffic_server_cannot_read_are_nil_or_empty() {
    let origin = Origin::start();
    let dir = std::env::temp_dir().join(format!("tswasm-unreadable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("read.lua");
    std::fs::write(&script, READ_AND_SET).unwrap();
    let to = format!("http://127.0.0.1:{}/", origin.port);
    let mut proxy = Proxy::start(
        &[],
        &[format!(
            "map http://s.test/ {to} @plugin={} @pparam={}",
            proxy::plugin_so().display(),
            script.display()
        )],
        &[],
    );
    let mut in_memory = InMemory::new(origin.port, &[]);
    in_memory.map("http://s.test/", &to, Some((&script, &[])));
    for (setting, expected) in [
        ("TS_CONFIG_HTTP_HOST_RESOLUTION_PREFERENCE", "|ipv4;ipv6"),
        ("TS_CONFIG_SSL_CLIENT_SNI_POLICY", "nil|nil"),
        ("TS_CONFIG_SSL_CLIENT_CA_CERT_FILENAME", "nil|nil"),
        ("TS_LUA_CONFIG_HTTP_INSERT_FORWARDED", "nil|nil"),
    ] {
        let header = [("X-Setting", setting)];
        let reply = proxy.get("s.test", "/", &header);
        assert_eq!(reply.body, format!("{expected}\n"), "{setting}: {reply:?}");
        let predicted = in_memory.request("GET", "s.test", "/", &header).unwrap();
        assert_eq!(comparable(&predicted), comparable(&reply), "{setting}");
    }
    assert!(proxy.alive());
    let _ = std::fs::remove_dir_all(&dir);
}
