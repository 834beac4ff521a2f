//! The values plugins give `TSHttpTxnConfigStringSet`, kept for the life of the process.
//!
//! Traffic Server keeps the pointer, not a copy, and may read it until the transaction is gone:
//! after tswasm's own txn-close hook, another plugin's txn-close hook still may. A value kept only
//! until our txn-close could then be read after it was freed. Scripts set a handful of distinct
//! values (a `Server` string, a template directory), so each distinct value is kept once, for
//! good, up to [`LIMIT_BYTES`] in all; past that a new value is kept by its transaction only, as
//! before, and a warning says so once.

use std::collections::HashSet;
use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex};

/// The most bytes of distinct values kept for the process.
pub const LIMIT_BYTES: usize = 1 << 20;

/// The process's values.
pub static KEPT: LazyLock<Interned> = LazyLock::new(|| Interned::new(LIMIT_BYTES));

/// Distinct values, each with its terminating NUL.
pub struct Interned {
    inner: Mutex<Kept>,
    limit: usize,
    warned: AtomicBool,
}

#[derive(Default)]
struct Kept {
    values: HashSet<&'static CStr>,
    bytes: usize,
}

impl Interned {
    /// An empty set that keeps up to `limit` bytes.
    pub fn new(limit: usize) -> Interned {
        Interned {
            inner: Mutex::default(),
            limit,
            warned: AtomicBool::new(false),
        }
    }

    /// `value`, kept for the life of the process; `None` once the limit is reached (the first
    /// time, `warn` is called with why).
    pub fn keep(&self, value: &CStr, warn: impl FnOnce(&str)) -> Option<&'static CStr> {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = kept.values.get(value) {
            return Some(found);
        }
        let size = value.to_bytes_with_nul().len();
        if kept.bytes + size > self.limit {
            drop(kept);
            if !self.warned.swap(true, Ordering::Relaxed) {
                warn(&format!(
                    "plugins set more than {} KiB of distinct configuration strings; new values \
                     are now kept by their transaction only",
                    self.limit / 1024
                ));
            }
            return None;
        }
        let leaked: &'static CStr = Box::leak(value.into());
        kept.values.insert(leaked);
        kept.bytes += size;
        Some(leaked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_once_until_the_limit() {
        let interned = Interned::new(8);
        let no_warning = |w: &str| panic!("unexpected warning: {w}");
        let a = interned.keep(c"abc", no_warning).unwrap();
        let elsewhere = std::ffi::CString::new("abc").unwrap();
        let again = interned.keep(&elsewhere, no_warning).unwrap();
        assert!(std::ptr::eq(a, again), "the same value, the same pointer");
        assert_eq!(interned.keep(c"def", no_warning).unwrap(), c"def");
        let mut warnings = Vec::new();
        assert_eq!(interned.keep(c"x", |w| warnings.push(w.to_owned())), None);
        assert_eq!(interned.keep(c"y", |w| warnings.push(w.to_owned())), None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            interned.keep(c"abc", no_warning).is_some(),
            "kept values stay"
        );
    }
}
