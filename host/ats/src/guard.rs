//! The one panic policy, at every edge where Traffic Server calls into tswasm.so (its entry points
//! and every continuation's handler).

/// Runs `f`, turning a panic (a tswasm bug: guests cannot cause one) into an error line and
/// `fallback`, so it never unwinds into Traffic Server, which would abort the process.
pub fn guarded<T>(what: &str, fallback: T, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(_) => {
            crate::log::error(&format!("{what}: internal error (a panic); carrying on"));
            fallback
        }
    }
}
