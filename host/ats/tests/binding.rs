//! Which instance a transaction's hooks run on, under a real Traffic Server with several
//! instances per plugin: every hook of a transaction runs on the same instance; a transaction the
//! guest keeps something of (it asked for txn-close or added a hook) is closed there; one the guest
//! keeps nothing of is not remembered between hooks, which spares it a state list and a txn-close
//! hook.

mod proxy;

use proxy::{guest, plugin_so, Origin, Proxy};

/// Keeps the value of `X-Lua-Remember` in a closure that answers at send-response, and tells at
/// send-response which request this instance's read-request saw last.
const GLOBAL_LUA: &str = "last_read = nil\n\
function do_global_read_request()\n\
  last_read = ts.client_request.header['X-Mark']\n\
  local value = ts.client_request.header['X-Lua-Remember']\n\
  if value then\n\
    ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()\n\
      ts.client_response.header['X-Lua-Remembered'] = value\n\
    end)\n\
  end\n\
  return 0\n\
end\n\
function do_global_send_response()\n\
  ts.client_response.header['X-Read-Here'] = last_read\n\
  return 0\n\
end\n";

/// The same from a remap rule.
const REMAP_LUA: &str = "function do_remap()\n\
  local value = ts.client_request.header['X-Lua-Remember']\n\
  if value then\n\
    ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()\n\
      ts.client_response.header['X-Remap-Remembered'] = value\n\
    end)\n\
  end\n\
  return 0\n\
end\n";

/// The debug line of a state closed at txn-close (`proxy.config.diags.debug.tags` has tswasm).
const CLOSED: &str = ": closed; the plugin version is held";

#[test]
fn every_hook_of_a_transaction_runs_on_one_instance_and_only_kept_ones_are_closed() {
    let origin = Origin::start();
    let so = plugin_so();
    let so = so.display();
    let o = origin.port;
    let dir = std::env::temp_dir().join(format!("tswasm-binding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (global_lua, remap_lua) = (dir.join("global.lua"), dir.join("remap.lua"));
    std::fs::write(&global_lua, GLOBAL_LUA).unwrap();
    std::fs::write(&remap_lua, REMAP_LUA).unwrap();
    // Three instances each, and one request at a time: a hook run on another instance than the
    // transaction's read-request would find another request's mark or value there (or none).
    let proxy = Proxy::start(
        &[
            format!("{so} --states=3 {}", guest("txn-memory").display()),
            format!("{so} --states=3 {}", global_lua.display()),
        ],
        &[
            format!(
                "map http://remap.test/ http://127.0.0.1:{o}/ @plugin={so} @pparam=--states=3 @pparam={}",
                remap_lua.display()
            ),
            format!("map / http://127.0.0.1:{o}/"),
        ],
        &[],
    );

    // Every request says who it is; the global script answers which request its instance's
    // read-request saw last, which is this one if both hooks ran on the same instance.
    let get = |host: &str, mark: String, remember: Option<(&str, &str)>| {
        let mut headers = vec![("X-Mark", mark.as_str())];
        headers.extend(remember);
        let reply = proxy.get(host, "/", &headers);
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.header("X-Read-Here"), Some(mark.clone()), "{reply:?}");
        reply
    };
    let mut kept = 0;
    for i in 0..6 {
        let value = format!("v{i}");
        let rust = get(
            "plain.test",
            format!("{i}-rust"),
            Some(("X-Remember", &value)),
        );
        assert_eq!(rust.header("X-Remembered"), Some(value.clone()), "{rust:?}");
        assert_eq!(rust.header("X-Lua-Remembered"), None);

        let lua = get(
            "plain.test",
            format!("{i}-lua"),
            Some(("X-Lua-Remember", &value)),
        );
        assert_eq!(
            lua.header("X-Lua-Remembered"),
            Some(value.clone()),
            "{lua:?}"
        );
        assert_eq!(lua.header("X-Remembered"), None);

        let remap = get(
            "remap.test",
            format!("{i}-remap"),
            Some(("X-Lua-Remember", &value)),
        );
        assert_eq!(
            remap.header("X-Remap-Remembered"),
            Some(value.clone()),
            "{remap:?}"
        );
        // The global script keeps this one too.
        assert_eq!(remap.header("X-Lua-Remembered"), Some(value), "{remap:?}");
        kept += 4;

        for host in ["plain.test", "remap.test"] {
            let plain = get(host, format!("{i}-{host}"), None);
            assert_eq!(plain.header("X-Remembered"), None);
            assert_eq!(plain.header("X-Lua-Remembered"), None);
            assert_eq!(plain.header("X-Remap-Remembered"), None);
        }
    }

    // One close per kept state, none for the transactions nobody kept anything of: their closes
    // would be logged as promptly as the others'.
    assert!(proxy.wait_for_debug(CLOSED, kept), "{}", proxy.logs());
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        proxy.debug_output().matches(CLOSED).count(),
        kept,
        "{}",
        proxy.logs()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
