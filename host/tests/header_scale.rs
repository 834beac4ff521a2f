//! A client's thousands of header fields cost a script that visits each of them one pass over
//! the message, not one per field: a header-stripping script finishes within its deadline and
//! the fields it strips never reach the origin.

mod common;

use common::*;
use tswasm::FailPolicy;

/// 5,000 padding fields and 2,000 repeats of one name: about 100 KB, within Traffic Server's
/// header limit.
fn padded_request() -> String {
    let mut request = String::from("GET /x HTTP/1.1\nHost: h\n");
    for i in 0..5000 {
        request.push_str(&format!("X-Pad-{i:05}: p\n"));
    }
    for _ in 0..2000 {
        request.push_str("X-Dup: d\n");
    }
    request + "\n"
}

#[test]
fn a_script_stripping_thousands_of_fields_finishes_within_its_deadline() {
    let script = repo_root().join("host/tests/scripts/strip-padding.lua");
    let services = std::sync::Arc::new(tswasm::services::LocalServices::new(
        tswasm::abi_types::LogLevel::Warning,
    ));
    let settings = tswasm::Settings {
        states: 1,
        fail_policy: FailPolicy::Closed,
        ..settings(&[])
    };
    let plugin = tswasm::Plugin::load(engine(), &script, settings, services).expect("loads");
    for round in 0..3 {
        let (txn, trace) = run(&[&plugin], request(&padded_request()), None);
        assert!(
            trace.iter().all(|e| e.fault.is_none()),
            "round {round}: {:?}",
            trace.iter().filter_map(|e| e.fault).collect::<Vec<_>>()
        );
        let sent = txn.server_request.expect("the request reached the origin");
        let seen = |name| header(&sent.headers, name);
        assert_eq!(seen("X-Stripped").as_deref(), Some("5000"), "round {round}");
        assert_eq!(seen("X-Pad-00000"), None);
        assert_eq!(seen("X-Pad-04999"), None);
        // 2,000 values of one byte and the commas between them.
        assert_eq!(seen("X-Dup-Joined").as_deref(), Some("3999"));
        assert_eq!(seen("X-Dup-Count").as_deref(), Some("2000"));
    }
}
