//! A small origin server for the demo and the benchmarks: HTTP/1.1 with keep-alive on loopback,
//! answering every request with 200 and a body that echoes the request line and headers
//! (`> ...` lines), so what the proxy sent is visible. `/status/NNN` answers with that status.
//!
//! Usage: `tswasm-origin [PORT]` (default 8081). Runs until killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8081);
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("tswasm-origin: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("tswasm-origin: listening on 127.0.0.1:{port}");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || serve(stream));
    }
}

/// Serves the requests of one connection until the client closes it (or 60 s of silence).
fn serve(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
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
        let header = |name: &str| {
            head.iter()
                .filter_map(|l| l.split_once(':'))
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let target = head
            .first()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/");
        let status: u16 = target
            .strip_prefix("/status/")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        let echo: String = head.iter().map(|l| format!("> {l}\n")).collect();
        let response = format!(
            "HTTP/1.1 {status} Origin\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Cache-Control: max-age=10\r\nServer: tswasm-origin\r\n\r\n{echo}",
            echo.len()
        );
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
        if header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
            return;
        }
    }
}
