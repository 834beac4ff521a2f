//! One Traffic Server for one benchmark run: a private runroot (Debian's layout points at
//! /etc/trafficserver), `traffic_server` started directly (no manager, so its pid is the process
//! we measure and the environment we give it, e.g. LD_PRELOAD, reaches it unchanged), stopped and
//! removed on drop.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// What to run: the configuration files' lines and the process environment.
#[derive(Default, Clone)]
pub struct AtsConfig {
    pub plugin_config: Vec<String>,
    pub remap_config: Vec<String>,
    pub records: Vec<String>,
    pub env: Vec<(String, String)>,
}

pub struct Ats {
    pub port: u16,
    pub dir: PathBuf,
    child: Child,
}

impl Ats {
    /// Starts Traffic Server in `dir` (recreated) and waits until it answers on its port (60 s).
    pub fn start(dir: &Path, config: &AtsConfig) -> Result<Ats> {
        let _ = std::fs::remove_dir_all(dir);
        for sub in ["etc", "var/log", "var/run", "var/cache", "share"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        copy_dir(Path::new("/etc/trafficserver"), &dir.join("etc"))
            .context("copying /etc/trafficserver (install Debian's trafficserver)")?;
        let d = dir.display();
        std::fs::write(
            dir.join("runroot.yaml"),
            format!(
                "prefix: {d}\nexec_prefix: {d}\nbindir: /usr/bin\nsbindir: /usr/bin\nsysconfdir: {d}/etc\n\
                 datadir: {d}/share\nincludedir: /usr/include\nlibdir: /usr/lib\n\
                 libexecdir: /usr/lib/trafficserver/modules\nlocalstatedir: {d}/var\n\
                 runtimedir: {d}/var/run\nlogdir: {d}/var/log\ncachedir: {d}/var/cache\n"
            ),
        )?;
        // A private cache: Debian's storage.config names the system's /var/cache/trafficserver.
        std::fs::create_dir_all(dir.join("var/cache/ats"))?;
        std::fs::write(
            dir.join("etc/storage.config"),
            format!("{d}/var/cache/ats 128M\n"),
        )?;
        let port = free_port()?;
        let mut records = std::fs::read_to_string(dir.join("etc/records.config"))?;
        records.push_str(&format!(
            "\nCONFIG proxy.config.http.server_ports STRING {port}\n\
             CONFIG proxy.config.admin.user_id STRING #-1\n\
             CONFIG proxy.config.http.wait_for_cache INT 1\n"
        ));
        for line in &config.records {
            records.push_str(line);
            records.push('\n');
        }
        std::fs::write(dir.join("etc/records.config"), records)?;
        std::fs::write(
            dir.join("etc/plugin.config"),
            config.plugin_config.join("\n") + "\n",
        )?;
        std::fs::write(
            dir.join("etc/remap.config"),
            config.remap_config.join("\n") + "\n",
        )?;
        let out = std::fs::File::create(dir.join("traffic_server.out"))?;
        let child = Command::new("traffic_server")
            .arg(format!("--run-root={d}/runroot.yaml"))
            .env("TSWASM_CACHE_DIR", dir.join("tswasm-cache"))
            .envs(config.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("starting traffic_server (install Debian's trafficserver)")?;
        let mut ats = Ats {
            port,
            dir: dir.to_path_buf(),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = ats.child.try_wait() {
                bail!("traffic_server exited ({status}):\n{}", ats.logs());
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(ats);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("traffic_server did not listen within 60 s:\n{}", ats.logs())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still the one we started (not crashed).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Its stdout/stderr and diags.log.
    pub fn logs(&self) -> String {
        let read = |p: &str| std::fs::read_to_string(self.dir.join(p)).unwrap_or_default();
        format!(
            "--- traffic_server.out ---\n{}\n--- diags.log ---\n{}",
            read("traffic_server.out"),
            read("var/log/diags.log")
        )
    }
}

impl Drop for Ats {
    fn drop(&mut self) {
        // SIGTERM lets it close its cache cleanly; SIGKILL if it does not stop within 10 s.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from)?.flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
