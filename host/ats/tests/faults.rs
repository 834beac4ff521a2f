//! Guest faults under a real Traffic Server: an endless loop, memory exhaustion, a panic, a sleep
//! (which must not hold the proxy's thread), a bad pointer handed to the host and an access past the guest's memory (a guard-page fault that
//! wasmtime's signal handler must take before Traffic Server's crash handler) are each logged,
//! counted in `plugin.tswasm.*`, handled by the fail policy, and the proxy keeps serving.

mod proxy;

use proxy::{guest, plugin_so, Origin, Proxy};

#[test]
fn guest_faults_are_contained_and_the_proxy_keeps_serving() {
    let origin = Origin::start();
    let so = plugin_so();
    let so = so.display();
    let faults = guest("faults");
    let faults = faults.display();
    let o = origin.port;
    let rule = |host: &str, params: &str| {
        let params: String = params
            .split_whitespace()
            .map(|p| format!(" @pparam={p}"))
            .collect();
        format!("map http://{host}/ http://127.0.0.1:{o}/ @plugin={so}{params}")
    };
    let mut proxy = Proxy::start(
        &[],
        &[
            rule("loop.test", &format!("--deadline-ms=50 {faults} loop")),
            rule("oom.test", &format!("--memory-limit-mb=16 {faults} oom")),
            rule("panic.test", &format!("{faults} panic")),
            rule("sleep.test", &format!("{faults} sleep")),
            rule("pointer.test", &format!("{faults} bad-pointer")),
            rule("bounds.test", &format!("{faults} out-of-bounds")),
            rule("closed.test", &format!("--fail=closed {faults} panic")),
            format!("map / http://127.0.0.1:{o}/"),
        ],
        &[],
    );

    let server = proxy.server_pid();
    // Fail open: each faulting hook's transaction carries on to the origin.
    for host in [
        "loop.test",
        "oom.test",
        "panic.test",
        "sleep.test",
        "pointer.test",
        "bounds.test",
    ] {
        for round in 0..2 {
            let reply = proxy.get(host, "/x", &[]);
            assert_eq!(reply.status, 200, "{host} round {round}: {reply:?}");
            assert!(
                reply.header("X-Origin-Count").is_some(),
                "{host}: reached the origin"
            );
            assert!(proxy.alive(), "traffic_server survived {host}");
        }
    }
    // Fail closed: the transaction fails, the next one is served again (by a rebuilt instance).
    let closed = proxy.get("closed.test", "/x", &[]);
    assert!(
        closed.status >= 400,
        "fail closed answers an error: {closed:?}"
    );
    assert_eq!(closed.header("X-Origin-Count"), None);
    let skipped = proxy.get("closed.test", "/x", &[("X-Faults-Skip", "1")]);
    assert_eq!(skipped.status, 200, "{skipped:?}");
    assert_eq!(proxy.get("plain.test", "/", &[]).status, 200);
    assert!(proxy.alive());
    assert_eq!(proxy.server_pid(), server, "traffic_server never restarted");

    // Logged with the file and the hook, and counted.
    let diags = proxy.diags();
    for cause in [
        "deadline exceeded",
        "memory cap hit",
        "unreachable",
        "out-of-bounds buffer",
        "out of bounds memory access",
    ] {
        assert!(
            diags.to_lowercase().contains(cause),
            "diags.log names the cause `{cause}`:\n{diags}"
        );
    }
    assert!(diags.contains("faults.wasm: remap hook"), "{diags}");
    for (name, at_least) in [
        ("deadline_hits", 2),
        ("memory_cap_hits", 2),
        // panic, an hour's sleep (refused, so the guest panics), bad pointer and out of bounds
        // twice each, and the fail-closed panic
        ("traps", 9),
        ("instance_rebuilds", 13),
        ("hook_calls", 15),
    ] {
        let name = format!("plugin.tswasm.{name}");
        let value = proxy.metric_at_least(&name, at_least);
        assert!(
            value.is_some_and(|v| v >= at_least),
            "{name} = {value:?}, expected at least {at_least}\n{}",
            proxy.ctl(&["metric", "match", "tswasm"])
        );
    }
}
