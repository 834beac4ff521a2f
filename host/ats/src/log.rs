//! tswasm's own log lines, and the guests', through Traffic Server's diagnostics. A debug line is
//! only formatted when its tag is enabled: some are on the per-transaction path.

use tswasm::abi_types::LogLevel;

use crate::ffi::*;
use crate::ts::cstring;

/// Whether `TSDebug` lines with this tag are written.
pub fn debug_enabled(tag: &str) -> bool {
    let tag = cstring(tag);
    // SAFETY: a valid C string.
    unsafe { TSIsDebugTagSet(tag.as_ptr()) != 0 }
}

/// One line at `level`; non-debug lines carry `[tag]` in front, as diags.log has no tag column.
pub fn line(level: LogLevel, tag: &str, message: &str) {
    let fmt = c"%s".as_ptr();
    if level == LogLevel::Debug {
        if debug_enabled(tag) {
            let (tag, message) = (cstring(tag), cstring(message));
            // SAFETY: a constant "%s" format with one C string argument.
            unsafe { TSDebug(tag.as_ptr(), fmt, message.as_ptr()) };
        }
        return;
    }
    // Traffic Server 9.2 stops the process after an alert line (TSAlert is fatal there, as tslua's
    // ts.alert shows), and no plugin may stop the proxy: an alert is an error line that says so.
    let prefix = if level == LogLevel::Alert {
        "ALERT: "
    } else {
        ""
    };
    let tagged = cstring(&format!("[{tag}] {prefix}{message}"));
    // SAFETY: as above.
    unsafe {
        match level {
            LogLevel::Note => TSNote(fmt, tagged.as_ptr()),
            LogLevel::Status => TSStatus(fmt, tagged.as_ptr()),
            LogLevel::Warning => TSWarning(fmt, tagged.as_ptr()),
            LogLevel::Debug | LogLevel::Error | LogLevel::Alert => TSError(fmt, tagged.as_ptr()),
        }
    }
}

/// A debug line under the tag `tswasm`, formatted only when that tag is enabled.
pub fn debug(message: impl FnOnce() -> String) {
    // SAFETY: a static C string (no allocation: this runs at every transaction's close).
    if unsafe { TSIsDebugTagSet(c"tswasm".as_ptr()) } != 0 {
        line(LogLevel::Debug, "tswasm", &message());
    }
}

/// A `TSNote` line from tswasm.
pub fn note(message: &str) {
    line(LogLevel::Note, "tswasm", message);
}

/// A `TSWarning` line from tswasm.
pub fn warning(message: &str) {
    line(LogLevel::Warning, "tswasm", message);
}

/// A `TSError` line from tswasm.
pub fn error(message: &str) {
    line(LogLevel::Error, "tswasm", message);
}
