//! tslua's API entry by entry: the `ts` table (recursively) and the TS_* constants as Debian's
//! `tslua.so` has them in a real Traffic Server, against `tswasm.so`'s, where a function that
//! answers "not supported by tswasm" counts as missing. Every difference must be listed, with its
//! reason, in MIGRATING.md's section "tslua's API, entry by entry"; and every entry listed there
//! must still differ, so the list shrinks as functions arrive.

mod proxy;

use std::collections::BTreeMap;

use proxy::{plugin_so, repo_root, Origin, Proxy};

const SECTION: &str = "## tslua's API, entry by entry";

/// The listing the script serves: entry name to what it is (`function`, `table`, `= 5`...).
fn listing(proxy: &Proxy, host: &str) -> BTreeMap<String, String> {
    let reply = proxy.get(host, "/", &[]);
    assert_eq!(reply.status, 200, "{host}: {}", reply.body);
    reply
        .body
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, what)| (name.to_string(), what.to_string()))
        .collect()
}

/// MIGRATING.md's listed entries: each bullet of the section names entries in backticks (an entry,
/// a table and everything in it, or a prefix ending in `*`) and then says why.
fn listed() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_root().join("MIGRATING.md")).unwrap();
    let section = text
        .split_once(SECTION)
        .unwrap_or_else(|| panic!("MIGRATING.md has a section `{SECTION}`"))
        .1;
    let section = section.split("\n## ").next().unwrap();
    let mut entries = Vec::new();
    for bullet in section.split("\n- ").skip(1) {
        let bullet = bullet.split("\n\n").next().unwrap().replace('\n', " ");
        let parts: Vec<&str> = bullet.split('`').collect();
        let reason = parts.last().unwrap().trim_start_matches([':', ',', ' ']);
        assert!(
            parts.len() >= 3 && reason.len() > 10,
            "a bullet names entries in backticks and then gives its reason: `- {bullet}`"
        );
        for name in parts.iter().skip(1).step_by(2) {
            entries.push((name.to_string(), bullet.clone()));
        }
    }
    entries
}

fn covers(listed: &str, entry: &str) -> bool {
    match listed.strip_suffix('*') {
        Some(prefix) => entry.starts_with(prefix),
        None => entry == listed || entry.starts_with(&format!("{listed}.")),
    }
}

#[test]
fn every_difference_from_tslua_is_listed_in_migrating() {
    let origin = Origin::start();
    let script = repo_root().join("host/ats/tests/scripts/ts-table.lua");
    let rule = |host: &str, plugin: &str, args: &str| {
        format!(
            "map http://{host}/ http://127.0.0.1:{}/ @plugin={plugin} @pparam={}{args}",
            origin.port,
            script.display()
        )
    };
    let proxy = Proxy::start(
        &[],
        &[
            rule("tslua.test", "tslua.so", ""),
            rule(
                "tswasm.test",
                &plugin_so().display().to_string(),
                " @pparam=probe",
            ),
        ],
        &[],
    );
    let tslua = listing(&proxy, "tslua.test");
    let tswasm = listing(&proxy, "tswasm.test");
    // Not a vacuous comparison: tslua.so 9.2 has about 200 functions and 250 constants.
    assert!(tslua.len() > 400, "{tslua:?}");
    assert!(tslua
        .get("ts.http.set_resp")
        .is_some_and(|k| k == "function"));

    let names: Vec<&String> = tslua.keys().chain(tswasm.keys()).collect();
    let mut differences: Vec<(String, String)> = Vec::new();
    for name in names {
        let (a, b) = (tslua.get(name), tswasm.get(name));
        if a != b && !differences.iter().any(|(n, _)| n == name) {
            differences.push((name.clone(), format!("tslua.so: {a:?}, tswasm.so: {b:?}")));
        }
    }
    let listed = listed();
    let unlisted: Vec<String> = differences
        .iter()
        .filter(|(name, _)| !listed.iter().any(|(l, _)| covers(l, name)))
        .map(|(name, how)| format!("{name} ({how})"))
        .collect();
    let stale: Vec<String> = listed
        .iter()
        .filter(|(l, _)| !differences.iter().any(|(name, _)| covers(l, name)))
        .map(|(l, bullet)| format!("`{l}` in: {bullet}"))
        .collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "differences not listed in MIGRATING.md ({}):\n{}\n\nlisted there but no longer different:\n{}",
        unlisted.len(),
        unlisted.join("\n"),
        stale.join("\n")
    );
}
