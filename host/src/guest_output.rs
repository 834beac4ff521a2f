//! A guest's stdout and stderr (Lua's `print`, a Rust panic's message), into the proxy's log: a
//! line at a time, marked as the guest's and escaped as all guest text is, so it never passes for
//! the proxy's own lines. Never waits: the proxy's own stderr may be a pipe nobody drains, and a
//! write there would hold the hook. Bounded: a guest printing in a loop gets so many lines a
//! second, then a line saying how many it lost.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use tswasm_abi::LogLevel;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::abi::guest_text;
use crate::services::Services;

/// Longest line kept whole; a longer one is logged in pieces of this size.
const LONGEST_LINE: usize = 4096;
/// Lines a stream may log per second.
const LINES_PER_SECOND: u32 = 100;

/// One of a guest's output streams.
#[derive(Clone)]
pub struct GuestOutput {
    services: Arc<dyn Services>,
    tag: Arc<str>,
    /// `stdout` or `stderr`, as the lines are marked.
    name: &'static str,
    level: LogLevel,
}

impl GuestOutput {
    /// The guest's stdout: notes in the log.
    pub fn stdout(services: Arc<dyn Services>, tag: Arc<str>) -> GuestOutput {
        GuestOutput {
            services,
            tag,
            name: "stdout",
            level: LogLevel::Note,
        }
    }

    /// The guest's stderr: errors in the log (a panic's message goes there).
    pub fn stderr(services: Arc<dyn Services>, tag: Arc<str>) -> GuestOutput {
        GuestOutput {
            services,
            tag,
            name: "stderr",
            level: LogLevel::Error,
        }
    }

    fn writer(&self) -> LineWriter {
        LineWriter {
            output: self.clone(),
            pending: Vec::new(),
            window: Instant::now(),
            lines: 0,
            lost: 0,
        }
    }
}

/// A terminal to the guest: the log takes lines, and a C library buffers a terminal's output by
/// the line (any other output it writes only when its buffer fills).
impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        true
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.writer())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.writer())
    }
}

struct LineWriter {
    output: GuestOutput,
    pending: Vec<u8>,
    /// The second the line count is for.
    window: Instant,
    lines: u32,
    /// Lines not logged in this second.
    lost: u32,
}

impl LineWriter {
    fn take(&mut self, bytes: &[u8]) {
        for chunk in bytes.split_inclusive(|b| *b == b'\n') {
            match chunk.strip_suffix(b"\n") {
                Some(end) => {
                    self.pending.extend_from_slice(end);
                    self.emit();
                }
                None => self.pending.extend_from_slice(chunk),
            }
            while self.pending.len() >= LONGEST_LINE {
                let rest = self.pending.split_off(LONGEST_LINE);
                self.emit();
                self.pending = rest;
            }
        }
    }

    /// Logs the pending line, if this second's allowance lasts.
    fn emit(&mut self) {
        let line = std::mem::take(&mut self.pending);
        if self.window.elapsed() >= Duration::from_secs(1) {
            if self.lost > 0 {
                self.log(&format!("({} lost: {} lines)", self.output.name, self.lost));
            }
            self.window = Instant::now();
            self.lines = 0;
            self.lost = 0;
        }
        if self.lines >= LINES_PER_SECOND {
            self.lost += 1;
            return;
        }
        self.lines += 1;
        self.log(&format!("({}) {}", self.output.name, guest_text(&line)));
    }

    fn log(&self, message: &str) {
        let output = &self.output;
        output.services.log(output.level, &output.tag, message);
    }

    fn flush_pending(&mut self) {
        if !self.pending.is_empty() {
            self.emit();
        }
    }
}

impl OutputStream for LineWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.take(&bytes);
        Ok(())
    }

    /// A line is logged when it ends (WASI flushes after every write, often mid-line).
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(LONGEST_LINE * 16)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LineWriter {
    async fn ready(&mut self) {}
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.take(bytes);
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        self.flush_pending();
        if self.lost > 0 {
            self.log(&format!("({} lost: {} lines)", self.output.name, self.lost));
        }
    }
}
