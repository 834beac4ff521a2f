//! `ts.mgmt.add_config_file` in a real Traffic Server: a script attaches its settings file to
//! remap.config, and after that file changes `traffic_ctl config reload` reloads remap.config (and
//! with it the script), under tslua.so and under tswasm.so alike; a reload with nothing changed
//! reloads nothing.

mod proxy;

use std::time::Duration;

use proxy::{plugin_so, Origin, Proxy};

const SCRIPT: &str = "\
ts.mgmt.add_config_file('remap.config', ts.get_config_dir() .. '/lua/settings.conf')
function do_remap()
  return 0
end
";

const LOADED: &str = "remap.config finished loading";

#[test]
fn a_changed_attached_file_reloads_remap_config() {
    let origin = Origin::start();
    for plugin in ["tslua.so".to_string(), plugin_so().display().to_string()] {
        let proxy = Proxy::start_with_files(
            &[],
            &[format!(
                "map http://watch.test/ http://127.0.0.1:{}/ @plugin={plugin} @pparam=lua/watch.lua",
                origin.port
            )],
            &[],
            &[("lua/watch.lua", SCRIPT), ("lua/settings.conf", "one\n")],
        );
        assert_eq!(proxy.get("watch.test", "/", &[]).status, 200, "{plugin}");
        let loads = || proxy.diags().matches(LOADED).count();
        let before = loads();

        let out = proxy.ctl(&["config", "reload"]);
        assert!(!out.contains("failed"), "{out}");
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(
            loads(),
            before,
            "{plugin}: nothing changed, nothing reloaded"
        );

        // A new modification time, in whole seconds, for Traffic Server to see the change.
        std::thread::sleep(Duration::from_millis(1100));
        proxy.reload_with("lua/settings.conf", "two\n");
        assert!(
            proxy.wait_for_diags(LOADED, before + 1),
            "{plugin}: the attached file's change reloads remap.config\n{}",
            proxy.logs()
        );
        assert_eq!(proxy.get("watch.test", "/", &[]).status, 200, "{plugin}");
    }
}

/// Traffic Server keeps a record for every attachment it is asked for, the same file again
/// included (tslua.so's proxy grows with each of these requests): tswasm.so
/// attaches a pair once, so a script attaching its file at every request costs nothing more.
#[test]
fn attaching_the_same_file_at_every_request_does_not_grow_the_proxy() {
    let origin = Origin::start();
    let script = "\
function do_remap()
  for _ = 1, 20000 do
    ts.mgmt.add_config_file('remap.config', ts.get_config_dir() .. '/lua/settings.conf')
  end
  return 0
end
";
    let proxy = Proxy::start_with_files(
        &[],
        &[format!(
            "map http://attach.test/ http://127.0.0.1:{}/ @plugin={} @pparam=--deadline-ms=10000 @pparam=lua/attach.lua",
            origin.port,
            plugin_so().display()
        )],
        &[],
        &[("lua/attach.lua", script), ("lua/settings.conf", "x\n")],
    );
    assert_eq!(proxy.get("attach.test", "/", &[]).status, 200);
    let before = proxy.rss();
    for round in 0..10 {
        let reply = proxy.get("attach.test", "/", &[]);
        assert_eq!(reply.status, 200, "round {round}: {}", proxy.diags());
    }
    let grown = proxy.rss().saturating_sub(before);
    assert!(
        grown < 4 << 20,
        "traffic_server grew by {} KiB",
        grown >> 10
    );
}
