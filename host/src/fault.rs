//! What went wrong when a hook did not return normally, in words an operator can act on.

use std::fmt;
use std::time::Duration;

use wasmtime::{Trap, WasmBacktrace};

/// The body of the 500 tswasm answers a failed remap with, when the plugin set no response of
/// its own (at other hooks Traffic Server answers a failed transaction itself).
pub const ERROR_BODY: &[u8] = b"tswasm: a plugin failed this request\n";

/// Why a hook call faulted; each kind has its own [`crate::Counter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The hook ran past its CPU deadline and was interrupted.
    Deadline,
    /// The guest needed more memory than its cap (and then failed, typically by aborting).
    MemoryCap,
    /// Any other trap: a panic/abort, an out-of-bounds access, a bad pointer handed to the host.
    Trap,
    /// The hook returned a value that means nothing for that hook.
    BadReply,
    /// The guest contained a failure and reported it (a script error caught by the interpreter):
    /// the instance is intact, only the fail policy applies.
    Script,
    /// The transaction's instance was rebuilt (after another transaction's fault) since its last
    /// hook: what the guest kept of it (added hooks, per-transaction state) is gone.
    Lost,
}

impl FaultKind {
    /// A short description for log lines, e.g. "deadline exceeded".
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Deadline => "deadline exceeded",
            FaultKind::MemoryCap => "memory cap hit",
            FaultKind::Trap => "trap",
            FaultKind::BadReply => "bad reply",
            FaultKind::Script => "script error",
            FaultKind::Lost => "transaction lost by a rebuilt instance",
        }
    }
}

/// A classified guest fault: the kind, a one-line cause, and the guest's backtrace when there is one.
#[derive(Clone, Debug)]
pub struct Fault {
    /// What kind of fault it was.
    pub kind: FaultKind,
    /// One line saying what happened, e.g. the trap message or the deadline that passed.
    pub cause: String,
    /// The guest's stack, one frame per line, when wasmtime captured one.
    pub backtrace: Option<String>,
}

impl Fault {
    /// Classifies the error of a guest call. `cap_refusal` is the growth the memory cap refused during
    /// the call, which explains whatever trap followed it.
    pub fn classify(
        error: &wasmtime::Error,
        cap_refusal: Option<usize>,
        deadline: Duration,
        cap: usize,
    ) -> Fault {
        let backtrace = error
            .downcast_ref::<WasmBacktrace>()
            .map(|bt| bt.to_string().trim_end().to_owned());
        let (kind, cause) = match (error.downcast_ref::<Trap>(), cap_refusal) {
            (Some(Trap::Interrupt), _) => (
                FaultKind::Deadline,
                format!(
                    "still running after the {} ms deadline",
                    deadline.as_millis()
                ),
            ),
            (_, Some(wanted)) => (
                FaultKind::MemoryCap,
                format!(
                    "needed {} MiB of memory, the cap is {} MiB",
                    wanted.div_ceil(1 << 20),
                    cap >> 20
                ),
            ),
            _ => (FaultKind::Trap, root_cause(error)),
        };
        Fault {
            kind,
            cause,
            backtrace,
        }
    }

    /// The fault for a hook that returned `value`, which means nothing for `hook`.
    pub fn bad_reply(hook: tswasm_abi::Hook, value: i32) -> Fault {
        Fault {
            kind: FaultKind::BadReply,
            cause: format!("returned {value}, which is not a valid reply for the {hook} hook"),
            backtrace: None,
        }
    }
}

/// The error chain on one line, outermost first, without wasmtime's backtrace (shown separately).
fn root_cause(error: &wasmtime::Error) -> String {
    // wasmtime attaches the backtrace as a context layer; it is shown on its own lines instead.
    let parts: Vec<String> = error
        .chain()
        .map(|e| e.to_string())
        .filter(|e| !e.starts_with("error while executing at wasm backtrace"))
        .collect();
    parts.join(": ")
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.cause)?;
        if let Some(bt) = &self.backtrace {
            write!(f, "\n{bt}")?;
        }
        Ok(())
    }
}
