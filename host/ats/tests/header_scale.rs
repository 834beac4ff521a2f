//! Many header fields in a real Traffic Server: a script that strips them one by one and reads a
//! name repeated many times gets what the in-memory proxy predicts (host/tests/header_scale.rs
//! runs the same script with thousands), through tswasm.so's index of the message by name, which
//! it makes once a hook has asked for a few names.
//!
//! A few hundred fields, and a deadline that is a bound rather than a timing check: Traffic
//! Server 9.2 itself spends time on a request's fields that grows faster than their square,
//! plugin or not, and about a millisecond for each field removed from a request of a few
//! hundred, for tslua.so as for tswasm.so (MIGRATING.md gives the figures measured).

mod proxy;

use proxy::{plugin_so, repo_root, Origin, Proxy};

#[test]
fn a_script_stripping_many_fields_strips_them_all_and_reads_every_repeat() {
    let origin = Origin::start();
    let script = repo_root().join("host/tests/scripts/strip-padding.lua");
    let so = plugin_so();
    let proxy = Proxy::start(
        &[format!(
            "{} --fail=closed --deadline-ms=10000 {}",
            so.display(),
            script.display()
        )],
        &[format!("map / http://127.0.0.1:{}/", origin.port)],
        &[],
    );
    let pads: Vec<(String, &str)> = (0..200).map(|i| (format!("X-Pad-{i:05}"), "p")).collect();
    let mut headers: Vec<(&str, &str)> = pads.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    headers.extend(std::iter::repeat_n(("X-Dup", "d"), 100));
    for round in 0..2 {
        let reply = proxy.get("scale.test", "/x", &headers);
        assert_eq!(reply.status, 200, "round {round}: {}", proxy.diags());
        assert_eq!(reply.origin_saw("X-Stripped").as_deref(), Some("200"));
        assert_eq!(reply.origin_saw("X-Pad-00000"), None);
        assert_eq!(reply.origin_saw("X-Pad-00199"), None);
        // 100 values of one byte and the commas between them.
        assert_eq!(reply.origin_saw("X-Dup-Joined").as_deref(), Some("199"));
        assert_eq!(reply.origin_saw("X-Dup-Count").as_deref(), Some("100"));
        assert_eq!(reply.origin_saw("X-Dup").map(|v| v.len()), Some(199));
    }
}
