//! A real Traffic Server on loopback for the tests: a private runroot (Debian's layout points at
//! /etc/trafficserver, so the runroot.yaml is written here), an origin server written for the tests,
//! and a minimal HTTP/1.1 client. Everything is bounded in time and cleaned up on drop.

#![allow(dead_code)]

pub mod in_memory;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `tswasm.so`, as cargo built it next to this test binary.
pub fn plugin_so() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let so = dir.join("libtswasm_ats.so");
    assert!(
        so.is_file(),
        "{} is missing: build it with `cargo build --release -p tswasm-ats` (scripts/test does)",
        so.display()
    );
    so
}

/// A guest built by scripts/build-guests.
pub fn guest(name: &str) -> PathBuf {
    let path = repo_root()
        .join("target/guests")
        .join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run scripts/build-guests first",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP response as the client received it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// All values of a header, joined with `|`; `None` when absent.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join("|"))
    }

    /// A header of the request the origin received (the origin echoes them in its body as
    /// `> Name: value` lines); `None` if the origin was not contacted or did not get it.
    pub fn origin_saw(&self, name: &str) -> Option<String> {
        let prefix = format!("> {}: ", name.to_ascii_lowercase());
        let values: Vec<&str> = self
            .body
            .lines()
            .filter_map(|l| {
                let lower = l.to_ascii_lowercase();
                lower.starts_with(&prefix).then(|| &l[prefix.len()..])
            })
            .collect();
        (!values.is_empty()).then(|| values.join("|"))
    }

    /// The request line the origin received (`> GET /path HTTP/1.1`).
    pub fn origin_request_line(&self) -> Option<String> {
        self.body
            .lines()
            .find(|l| l.starts_with("> ") && !l.contains(": "))
            .map(|l| l[2..].to_string())
    }
}

/// Sends one request (`Connection: close`) and reads the whole response, within 10 s.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("proxy accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut text = format!("{method} {path} HTTP/1.1\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("Connection: close\r\n\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_reply(&raw)
        .unwrap_or_else(|| panic!("not an HTTP response: {:?}", String::from_utf8_lossy(&raw)))
}

fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Reply {
        status,
        headers,
        body: body.to_string(),
    })
}

/// An origin server on loopback: answers every request with 200 and a body that echoes the
/// request line and headers (`> ...` lines), numbered by `X-Origin-Count`. `/status/NNN` answers
/// with that status; paths containing `/cacheable` get `Cache-Control: max-age=60`; paths starting
/// with `/slow` are answered after 2 s.
pub struct Origin {
    pub port: u16,
}

impl Origin {
    pub fn start() -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        });
        Origin { port }
    }
}

static ORIGIN_COUNT: AtomicU64 = AtomicU64::new(0);

fn serve(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push(line.trim_end().to_string());
        }
        let length: usize = head
            .iter()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let target = head
            .first()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/")
            .to_string();
        let status: u16 = target
            .strip_prefix("/status/")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        let mut echo: String = head.iter().map(|l| format!("> {l}\n")).collect();
        echo.push_str(&String::from_utf8_lossy(&body));
        if target.starts_with("/slow") {
            std::thread::sleep(Duration::from_secs(2));
        }
        let count = ORIGIN_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
        let cache = if target.contains("/cacheable") {
            "Cache-Control: max-age=60\r\n"
        } else {
            "Cache-Control: no-store\r\n"
        };
        let response = format!(
            "HTTP/1.1 {status} Origin\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nX-Origin-Count: {count}\r\nServer: test-origin\r\n{cache}\r\n{echo}",
            echo.len()
        );
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A Traffic Server started for one test, stopped (and its directory removed) on drop. Its logs are
/// printed when the test failed.
pub struct Proxy {
    pub port: u16,
    /// The TLS port, for a proxy started with [`Proxy::start_tls`].
    pub tls_port: Option<u16>,
    pub dir: PathBuf,
    child: Child,
}

impl Proxy {
    /// Starts Traffic Server with these plugin.config and remap.config lines (and extra
    /// records.config lines); waits until it listens (at most 30 s).
    pub fn start(plugin_config: &[String], remap_config: &[String], records: &[&str]) -> Proxy {
        Proxy::start_with_env(plugin_config, remap_config, records, &[])
    }

    /// As [`Proxy::start`], with environment variables for the proxy (e.g. `TSWASM_MAX_INSTANCES`).
    pub fn start_with_env(
        plugin_config: &[String],
        remap_config: &[String],
        records: &[&str],
        env: &[(&str, &str)],
    ) -> Proxy {
        Proxy::launch(plugin_config, remap_config, records, env, &[], false)
    }

    /// As [`Proxy::start`], also listening for TLS on [`Proxy::tls_port`] with a self-signed
    /// certificate made for the occasion.
    pub fn start_tls(plugin_config: &[String], remap_config: &[String]) -> Proxy {
        Proxy::launch(plugin_config, remap_config, &[], &[], &[], true)
    }

    /// As [`Proxy::start`], with more files in the configuration directory: (path relative to
    /// it, contents).
    pub fn start_with_files(
        plugin_config: &[String],
        remap_config: &[String],
        records: &[&str],
        config_files: &[(&str, &str)],
    ) -> Proxy {
        Proxy::launch(
            plugin_config,
            remap_config,
            records,
            &[],
            config_files,
            false,
        )
    }

    fn launch(
        plugin_config: &[String],
        remap_config: &[String],
        records: &[&str],
        env: &[(&str, &str)],
        config_files: &[(&str, &str)],
        tls: bool,
    ) -> Proxy {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tswasm-ats-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["etc", "var/log", "var/run", "var/cache", "share"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        copy_dir(Path::new("/etc/trafficserver"), &dir.join("etc"));
        let d = dir.display();
        std::fs::write(
            dir.join("runroot.yaml"),
            format!(
                "prefix: {d}\nexec_prefix: {d}\nbindir: /usr/bin\nsbindir: /usr/bin\nsysconfdir: {d}/etc\n\
                 datadir: {d}/share\nincludedir: /usr/include\nlibdir: /usr/lib\n\
                 libexecdir: /usr/lib/trafficserver/modules\nlocalstatedir: {d}/var\n\
                 runtimedir: {d}/var/run\nlogdir: {d}/var/log\ncachedir: {d}/var/cache\n"
            ),
        )
        .unwrap();
        let base_records = std::fs::read_to_string(dir.join("etc/records.config")).unwrap();
        std::fs::write(
            dir.join("etc/plugin.config"),
            plugin_config.join("\n") + "\n",
        )
        .unwrap();
        std::fs::write(dir.join("etc/remap.config"), remap_config.join("\n") + "\n").unwrap();
        for (name, contents) in config_files {
            let file = dir.join("etc").join(name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, contents).unwrap();
        }

        if tls {
            let made = Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=localhost", "-keyout"])
                .arg(dir.join("etc/proxy.key"))
                .arg("-out")
                .arg(dir.join("etc/proxy.pem"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("openssl runs");
            assert!(made.success(), "openssl made a certificate");
            std::fs::write(
                dir.join("etc/ssl_multicert.config"),
                "dest_ip=* ssl_cert_name=proxy.pem ssl_key_name=proxy.key\n",
            )
            .unwrap();
        }

        // A start that does not come up (a port taken meanwhile, a slow machine) is retried once
        // on another port.
        let mut last_logs = String::new();
        for _attempt in 0..2 {
            let port = free_port();
            let tls_port = tls.then(free_port);
            let ports = match tls_port {
                Some(tls_port) => format!("{port} {tls_port}:ssl"),
                None => port.to_string(),
            };
            let mut records_text = base_records.clone();
            if tls {
                records_text.push_str(&format!(
                    "\nCONFIG proxy.config.ssl.server.cert.path STRING {d}/etc\n\
                     CONFIG proxy.config.ssl.server.private_key.path STRING {d}/etc\n"
                ));
            }
            records_text.push_str(&format!(
                "\nCONFIG proxy.config.http.server_ports STRING {ports}\n\
                 CONFIG proxy.config.admin.user_id STRING #-1\n\
                 CONFIG proxy.config.diags.debug.enabled INT 1\n\
                 CONFIG proxy.config.diags.debug.tags STRING tswasm.*|ts_lua\n\
                 CONFIG proxy.config.http.wait_for_cache INT 1\n"
            ));
            for line in records {
                records_text.push_str(line);
                records_text.push('\n');
            }
            std::fs::write(dir.join("etc/records.config"), records_text).unwrap();

            // traffic_manager starts traffic_server and serves traffic_ctl (metrics, reload).
            let log = std::fs::File::create(dir.join("traffic_manager.out")).unwrap();
            let child = Command::new("traffic_manager")
                .arg(format!("--run-root={d}/runroot.yaml"))
                .env("TSWASM_CACHE_DIR", dir.join("tswasm-cache"))
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("traffic_manager runs (install Debian's trafficserver)");
            let mut proxy = Proxy {
                port,
                tls_port,
                dir: dir.clone(),
                child,
            };
            if proxy.wait_until_listening() {
                return proxy;
            }
            last_logs = proxy.logs();
            proxy.stop();
            // Not dropped: that would remove the runroot the next attempt uses.
            std::mem::forget(proxy);
        }
        panic!("traffic_server did not start (twice)\n{last_logs}");
    }

    /// Whether traffic_server came up and listens within 30 s.
    fn wait_until_listening(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            // The manager opens the port; the server it starts takes the connections.
            if self.server_pid().is_some() && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Sends a request to the proxy.
    pub fn get(&self, host: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut all = vec![("Host", host)];
        all.extend_from_slice(headers);
        request(self.port, "GET", path, &all)
    }

    pub fn request(&self, method: &str, host: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut all = vec![("Host", host)];
        all.extend_from_slice(headers);
        request(self.port, method, path, &all)
    }

    /// Rewrites a configuration file and asks Traffic Server to reload its configuration.
    pub fn reload_with(&self, file: &str, text: &str) {
        std::fs::write(self.dir.join("etc").join(file), text).unwrap();
        let out = self.ctl(&["config", "reload"]);
        assert!(!out.contains("failed"), "traffic_ctl config reload: {out}");
    }

    /// Waits (at most 30 s) until diags.log contains `text` `times` times.
    pub fn wait_for_diags(&self, text: &str, times: usize) -> bool {
        wait_for(|| self.diags().matches(text).count() >= times)
    }

    /// diags.log (TSError, TSNote, ...).
    pub fn diags(&self) -> String {
        std::fs::read_to_string(self.dir.join("var/log/diags.log")).unwrap_or_default()
    }

    /// Waits (at most 30 s) until the debug output contains `text` `times` times.
    pub fn wait_for_debug(&self, text: &str, times: usize) -> bool {
        wait_for(|| self.debug_output().matches(text).count() >= times)
    }

    /// Debug lines (tags `tswasm.*` and `ts_lua`), which traffic_server writes to its standard
    /// error, kept in traffic_manager.out with the manager's own lines.
    pub fn debug_output(&self) -> String {
        std::fs::read_to_string(self.dir.join("traffic_manager.out")).unwrap_or_default()
    }

    /// Whether traffic_server is still running (it never crashes because of a guest): the manager
    /// would restart a crashed one, so a crash also shows as a new process, which the caller can
    /// see in [`Proxy::server_pid`].
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None)) && self.server_running()
    }

    /// The traffic_server process id, to check it did not restart.
    /// The resident memory of traffic_server, in bytes.
    pub fn rss(&self) -> u64 {
        let pid = self.server_pid().expect("traffic_server runs");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status");
        kib << 10
    }

    pub fn server_pid(&self) -> Option<u32> {
        let out = Command::new("pgrep")
            .args([
                "-f",
                &format!("traffic_server .*--run-root={}/", self.dir.display()),
            ])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    /// `traffic_ctl` against this proxy, e.g. `["metric", "match", "tswasm"]`.
    pub fn ctl(&self, args: &[&str]) -> String {
        let out = Command::new("traffic_ctl")
            .arg(format!("--run-root={}/runroot.yaml", self.dir.display()))
            .args(args)
            .output()
            .expect("traffic_ctl runs");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    /// A statistic's value, read with `traffic_ctl metric get`.
    pub fn metric(&self, name: &str) -> Option<i64> {
        self.ctl(&["metric", "get", name])
            .lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
    }

    /// Waits (at most 30 s) until a statistic reaches `at_least`: traffic_server sums its threads'
    /// counts and reports them to the manager every few seconds, later on a loaded machine.
    /// Returns the last value read.
    pub fn metric_at_least(&self, name: &str, at_least: i64) -> Option<i64> {
        self.metric_until(name, |v| v >= at_least)
    }

    /// Waits (at most 30 s) until a statistic satisfies `done`; returns the last value read.
    pub fn metric_until(&self, name: &str, done: impl Fn(i64) -> bool) -> Option<i64> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let value = self.metric(name);
            if value.is_some_and(&done) || Instant::now() > deadline {
                return value;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn logs(&self) -> String {
        let read = |p: &str| std::fs::read_to_string(self.dir.join(p)).unwrap_or_default();
        format!(
            "--- traffic_manager ---\n{}\n--- traffic.out ---\n{}\n--- diags.log ---\n{}",
            read("traffic_manager.out"),
            read("var/log/traffic.out"),
            self.diags()
        )
    }

    /// Whether traffic_server is running under this runroot.
    fn server_running(&self) -> bool {
        self.server_pid().is_some()
    }
}

impl Proxy {
    /// Stops the manager and the server under this runroot.
    fn stop(&mut self) {
        // SIGTERM first: the manager stops its server.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let pattern = format!("--run-root={}/", self.dir.display());
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--", &pattern])
            .status();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
            eprintln!("(kept {})", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Polls `done` for at most 30 s.
fn wait_for(done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}
