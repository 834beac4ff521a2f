//! `ts.log` in a real Traffic Server: a script writes text log lines under tslua.so and under
//! tswasm.so, and the two log files read the same (the time stamps aside): the text taken as a
//! printf format, a NUL ending it, no line for an empty text, and a line too long for Traffic
//! Server's log buffer dropped. tswasm opens one log per name, so a script that creates its log at
//! load time, in every state, writes one file (tslua.so makes one per state and writes the last).

mod proxy;

use std::path::Path;
use std::time::{Duration, Instant};

use proxy::{plugin_so, Origin, Proxy};

const SCRIPT: &str = "\
function do_remap()
  ts.log:object_creat('probe_text', 0)
  ts.log.object_write('100%% sure')
  ts.log.object_write(42)
  ts.log.object_write('')
  ts.log.object_write('cut\\0here')
  ts.log.object_write('cr\\r\\nlf')
  ts.log.object_write(string.rep('a', 9111))
  ts.log.object_write(string.rep('b', 9112))
  ts.log.object_write('last')
  ts.log:object_creat('probe_stamped', 1)
  ts.log.object_write('')
  ts.log.object_write(string.rep('c', 9092))
  ts.log.object_write(string.rep('d', 9093))
  ts.log.object_write('with the time')
  return 0
end
";

const AT_LOAD: &str = "\
ts.log:object_creat('probe_at_load', 0)
function do_remap()
  ts.log.object_write('from ' .. ts.client_request.get_uri())
  return 0
end
";

/// Lines are flushed to the file every second here (the default is five).
const FLUSH: &str = "CONFIG proxy.config.log.max_secs_per_buffer INT 1";

/// The log file's lines once `last` is among them (at most 30 s), each cut to 40 bytes with its
/// length, so that a long line reads as what it is.
fn lines_once(file: &Path, last: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        // Split at line ends only: a CR the script wrote stays in its line.
        let lines = text.split_terminator('\n');
        if lines.clone().any(|l| l.ends_with(last)) || Instant::now() > deadline {
            return lines
                .map(|l| format!("{} ({})", &l[..l.len().min(40)], l.len()))
                .collect();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The line with its time stamp (`20261203.21h16m38s `) checked and replaced by `<time>`.
fn unstamped(line: &str) -> String {
    let (stamp, rest) = line.split_at(line.len().min(19));
    let shape = stamp.bytes().enumerate().all(|(i, b)| match i {
        8 => b == b'.',
        11 => b == b'h',
        14 => b == b'm',
        17 => b == b's',
        18 => b == b' ',
        _ => b.is_ascii_digit(),
    });
    assert!(shape && stamp.len() == 19, "not stamped: {line:?}");
    format!("<time> {rest}")
}

#[test]
fn tslua_and_tswasm_write_the_same_text_log() {
    let origin = Origin::start();
    let mut written = Vec::new();
    for plugin in ["tslua.so".to_string(), plugin_so().display().to_string()] {
        let proxy = Proxy::start_with_files(
            &[],
            &[format!(
                "map http://log.test/ http://127.0.0.1:{}/ @plugin={plugin} @pparam=lua/log.lua",
                origin.port
            )],
            &[FLUSH],
            &[("lua/log.lua", SCRIPT)],
        );
        assert_eq!(proxy.get("log.test", "/", &[]).status, 200, "{plugin}");
        let logs = proxy.dir.join("var/log");
        let text = lines_once(&logs.join("probe_text.log"), "last");
        let stamped: Vec<String> = lines_once(&logs.join("probe_stamped.log"), "with the time")
            .iter()
            .map(|l| unstamped(l))
            .collect();
        written.push((plugin, text, stamped));
    }
    let (_, text, stamped) = &written[0];
    let expected_text = [
        "100% sure (9)",
        "42 (2)",
        "cut (3)",
        "cr\r (3)",
        "lf (2)",
        &format!("{} (9111)", "a".repeat(40)),
        "last (4)",
    ];
    assert_eq!(text, &expected_text, "tslua.so, as this test reads it");
    assert_eq!(
        stamped,
        &[
            "<time>  (19)".to_string(),
            format!("<time> {} (9111)", "c".repeat(21)),
            "<time> with the time (32)".to_string(),
        ],
        "tslua.so, as this test reads it"
    );
    assert_eq!(written[0].1, written[1].1, "the plain log");
    assert_eq!(written[0].2, written[1].2, "the stamped log");
}

#[test]
fn a_log_created_at_load_time_is_one_file() {
    let origin = Origin::start();
    let proxy = Proxy::start_with_files(
        &[],
        &[format!(
            "map http://log.test/ http://127.0.0.1:{}/ @plugin={} @pparam=--states=4 @pparam=lua/at_load.lua",
            origin.port,
            plugin_so().display()
        )],
        &[FLUSH],
        &[("lua/at_load.lua", AT_LOAD)],
    );
    for path in ["/one", "/two", "/three"] {
        assert_eq!(proxy.get("log.test", path, &[]).status, 200);
    }
    let logs = proxy.dir.join("var/log");
    let mut lines = lines_once(&logs.join("probe_at_load.log"), "");
    let deadline = Instant::now() + Duration::from_secs(30);
    while lines.len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        lines = lines_once(&logs.join("probe_at_load.log"), "");
    }
    lines.sort();
    assert_eq!(
        lines,
        ["from /one (9)", "from /three (11)", "from /two (9)"]
    );
    assert!(
        !logs.join("probe_at_load.log_1").exists(),
        "one log object for every state"
    );
}
