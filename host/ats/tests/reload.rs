//! Reloading under a real Traffic Server: `--enable-reload` swaps a global script's new version in
//! on `traffic_ctl config reload` (after its `__reload__`), a broken version is reported and the
//! loaded one keeps serving; remap rules reloaded with remap.config release their old instances
//! (the instance pool is kept small so a leak would make the reloads fail).

mod proxy;

use proxy::{plugin_so, Origin, Proxy};

/// A global script that says which version answered; it binds each transaction at read-request.
/// Versions after the first also mark the request at post-remap, a hook the first did not declare
/// (Traffic Server takes global hooks at start-up only).
fn version(n: u32) -> String {
    let post_remap = match n {
        1 => String::new(),
        _ => format!(
            "function do_global_post_remap()\n  ts.client_request.header['X-Post-Remap'] = '{n}'\n  return 0\nend\n"
        ),
    };
    format!(
        "function do_global_read_request()\n  return 0\nend\n\
         function do_global_send_response()\n  ts.client_response.header['X-Version'] = '{n}'\n  return 0\nend\n\
         function __reload__()\n  ts.error('reload hook of version {n}')\nend\n{post_remap}"
    )
}

const REMAP_SCRIPT: &str =
    "function do_remap()\n  ts.client_request.header['X-Remapped'] = 'yes'\n  return 0\nend\n\
                            function __clean__()\n  ts.error('remap state cleaned')\nend\n";

#[test]
fn plugins_reload_without_losing_requests_or_instances() {
    let origin = Origin::start();
    let so = plugin_so();
    let so = so.display();
    let dir = std::env::temp_dir().join(format!("tswasm-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let global = dir.join("global.lua");
    let remap = dir.join("remap.lua");
    std::fs::write(&global, version(1)).unwrap();
    std::fs::write(&remap, REMAP_SCRIPT).unwrap();
    let o = origin.port;
    let remap_config = |generation: u32| {
        format!(
            "# generation {generation}\nmap http://r.test/ http://127.0.0.1:{o}/ @plugin={so} @pparam=--states=2 @pparam={}\nmap / http://127.0.0.1:{o}/\n",
            remap.display()
        )
    };
    let mut proxy = Proxy::start_with_env(
        &[format!(
            "{so} --enable-reload --states=2 {}",
            global.display()
        )],
        &remap_config(0)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>(),
        &[],
        // Room for two versions of each plugin and not much more: leaked instances would exhaust it.
        &[("TSWASM_MAX_INSTANCES", "10")],
    );
    let server = proxy.server_pid();
    let version_seen = |proxy: &Proxy| proxy.get("plain.test", "/", &[]).header("X-Version");
    assert_eq!(version_seen(&proxy).as_deref(), Some("1"));

    // A new version: swapped in after the old one's __reload__; a transaction in flight during the
    // reload (its origin answers after 2 s) finishes on the version it started with.
    let port = proxy.port;
    let in_flight =
        std::thread::spawn(move || proxy::request(port, "GET", "/slow", &[("Host", "plain.test")]));
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::write(&global, version(2)).unwrap();
    proxy.reload_with(
        "plugin.config",
        &std::fs::read_to_string(proxy.dir.join("etc/plugin.config")).unwrap(),
    );
    assert!(proxy.wait_for_diags("reloaded ", 1), "{}", proxy.logs());
    assert_eq!(version_seen(&proxy).as_deref(), Some("2"));
    let reply = proxy.get("plain.test", "/after-reload", &[]);
    assert_eq!(
        reply.origin_saw("X-Post-Remap").as_deref(),
        Some("2"),
        "{reply:?}"
    );
    assert!(proxy.diags().contains("reload hook of version 1"));
    let slow = in_flight.join().unwrap();
    assert_eq!(slow.status, 200);
    assert_eq!(slow.header("X-Version").as_deref(), Some("1"), "{slow:?}");

    // A broken version: reported with the file and line; version 2 keeps serving.
    std::fs::write(&global, "function do_global_send_response(\n").unwrap();
    proxy.reload_with(
        "plugin.config",
        &std::fs::read_to_string(proxy.dir.join("etc/plugin.config")).unwrap(),
    );
    assert!(
        proxy.wait_for_diags("failed; the loaded version keeps serving", 1),
        "{}",
        proxy.logs()
    );
    let diags = proxy.diags();
    assert!(
        diags.contains("global.lua:2:"),
        "the error names the file and line:\n{diags}"
    );
    for _ in 0..3 {
        assert_eq!(version_seen(&proxy).as_deref(), Some("2"));
    }

    // remap.config reloaded six times: every generation's rule works, old instances are released.
    for generation in 1..=6 {
        let before = proxy
            .diags()
            .matches("remap.config finished loading")
            .count();
        proxy.reload_with("remap.config", &remap_config(generation));
        assert!(
            proxy.wait_for_diags("remap.config finished loading", before + 1),
            "{}",
            proxy.logs()
        );
        let reply = proxy.get("r.test", "/", &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.origin_saw("X-Remapped").as_deref(), Some("yes"));
    }
    // Only the current versions' instances are alive: the global script's two and the rule's two.
    let live = proxy.metric_until("plugin.tswasm.live_instances", |v| v == 4);
    assert_eq!(live, Some(4), "{}", proxy.logs());
    let diags = proxy.diags();
    assert!(
        diags.matches("remap state cleaned").count() >= 2 * 5,
        "old rules' states were unloaded:\n{diags}"
    );
    // Every configuration reload retries the (still broken) global script, and reports it each
    // time; nothing else may fail: a leaked instance would make a new rule's load fail.
    let other_errors: Vec<&str> = diags
        .lines()
        .filter(|l| l.contains("ERROR") && !l.contains("global.lua") && !l.contains("ts_lua]"))
        .filter(|l| !l.contains("remap state cleaned") && !l.contains("traffic_crashlo"))
        .collect();
    assert!(other_errors.is_empty(), "{other_errors:#?}");
    assert!(!diags.contains("maximum concurrent"), "{diags}");
    assert!(proxy.alive());
    assert_eq!(proxy.server_pid(), server);
    let _ = std::fs::remove_dir_all(&dir);
}
