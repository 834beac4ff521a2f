//! A local response set after remap, in a real Traffic Server: it answers the request with the
//! status the hook set (an error status only), whether or not the origin was asked; a redirect
//! after remap is refused; at send-response set_resp replaces the body of such a response (the
//! proxy's own) and nothing of the origin's, and set_error_resp changes the status of the origin's
//! response, not its body, as in tslua.so. The script is the conformance case the in-memory proxy runs
//! too (compat/conformance/set-resp-late), and it predicts every one of these answers.

mod proxy;

use proxy::in_memory::{comparable, InMemory};
use proxy::{plugin_so, repo_root, Origin, Proxy, Reply};

fn origin_count(reply: &Reply) -> i64 {
    let count = reply.header("X-Origin-Count");
    count
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("from the origin: {reply:?}"))
}

#[test]
fn a_response_set_after_remap_answers_the_request() {
    let origin = Origin::start();
    let script = repo_root().join("compat/conformance/set-resp-late/script.lua");
    let mut proxy = Proxy::start(
        &[],
        &[
            format!(
                "map http://late.test/ http://127.0.0.1:{}/ @plugin={} @pparam={}",
                origin.port,
                plugin_so().display(),
                script.display()
            ),
            format!("map / http://127.0.0.1:{}/", origin.port),
        ],
        &[],
    );
    let before = origin_count(&proxy.get("plain.test", "/", &[]));

    // Set at post-remap: answered before the origin is asked.
    let early = proxy.get("late.test", "/post-remap", &[]);
    assert_eq!(early.status, 429, "{early:?}");
    // Its body as set_resp at send-response replaced it.
    assert_eq!(early.body, "too late\n");
    assert_eq!(early.header("X-Seen-Status").as_deref(), Some("429"));
    let after_early = origin_count(&proxy.get("plain.test", "/", &[]));
    assert_eq!(after_early, before + 1, "the origin was not asked");

    // A redirect at os-dns is refused (the origin answers), the 403 at read-response replaces the
    // origin's answer, and the 404 at send-response replaces only its body.
    let late = proxy.get("late.test", "/late", &[]);
    assert_eq!(late.status, 403, "{late:?}");
    assert_eq!(late.body, "too late\n");
    assert_eq!(late.header("X-Seen-Status").as_deref(), Some("403"));
    assert_eq!(
        late.header("X-Origin-Count"),
        None,
        "not the origin's response"
    );
    let after_late = origin_count(&proxy.get("plain.test", "/", &[]));
    assert_eq!(after_late, after_early + 2, "the origin was asked");

    // Only the 404 at send-response, which leaves an origin's response alone.
    let plain = proxy.get("late.test", "/other", &[]);
    assert_eq!(plain.status, 200, "{plain:?}");
    assert_eq!(plain.header("X-Seen-Status").as_deref(), Some("200"));
    assert!(plain.body.starts_with("> GET /other"), "{plain:?}");

    // A read-response hook that fails, with no response set: Traffic Server's error response.
    let failed = proxy.get("late.test", "/error", &[]);
    assert_eq!(failed.status, 500, "{failed:?}");
    assert_eq!(failed.header("X-Seen-Status").as_deref(), Some("500"));

    // set_error_resp at send-response: the status only.
    let error = proxy.get("late.test", "/error-resp", &[]);
    assert_eq!(error.status, 503, "{error:?}");
    assert!(error.body.starts_with("> GET /error-resp"), "{error:?}");
    assert!(proxy.alive());

    let mut in_memory = InMemory::new(origin.port, &[]);
    let to = format!("http://127.0.0.1:{}/", origin.port);
    in_memory.map("http://late.test/", &to, Some((&script, &[])));
    for path in ["/post-remap", "/late", "/other", "/error", "/error-resp"] {
        let expected = comparable(&proxy.get("late.test", path, &[]));
        let predicted = in_memory.request("GET", "late.test", path, &[]);
        let predicted = comparable(&predicted.expect("an origin on loopback"));
        assert_eq!(predicted, expected, "{path}");
    }
}
