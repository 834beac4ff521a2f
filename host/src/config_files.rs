//! Configuration files plugins attach to the proxy's own (`ts.mgmt.add_config_file`), so that
//! a change to one reloads its parent. Traffic Server keeps a record for every attachment it is
//! asked for, the same file again included, and never frees it, so a script attaching its file
//! at every request would grow the proxy for as long as it runs. A pair is passed on once per process, and a process attaches at most
//! [`MAX_ATTACHED`] pairs.

use std::collections::HashSet;
use std::sync::Mutex;

use tswasm_abi::Error;

use crate::txn::AbiResult;

/// Distinct (parent, file) pairs one process attaches at most.
pub const MAX_ATTACHED: usize = 256;

/// The pairs a process attached.
#[derive(Default)]
pub struct ConfigFiles {
    attached: Mutex<HashSet<(String, String)>>,
}

impl ConfigFiles {
    /// Attaches `file` to `parent` with `attach`, unless the process did so before (then there
    /// is nothing to do); `LimitReached` for a new pair past [`MAX_ATTACHED`].
    pub fn attach(
        &self,
        parent: &str,
        file: &str,
        attach: impl FnOnce() -> AbiResult<()>,
    ) -> AbiResult<()> {
        let mut attached = self.attached.lock().unwrap_or_else(|e| e.into_inner());
        let pair = (parent.to_owned(), file.to_owned());
        if attached.contains(&pair) {
            return Ok(());
        }
        if attached.len() >= MAX_ATTACHED {
            return Err(Error::LimitReached);
        }
        attach()?;
        attached.insert(pair);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_attached_once_and_new_pairs_are_bounded() {
        let files = ConfigFiles::default();
        let calls = std::cell::Cell::new(0);
        let attach = || {
            calls.set(calls.get() + 1);
            Ok(())
        };
        for _ in 0..3 {
            files.attach("remap.config", "a.conf", attach).unwrap();
        }
        assert_eq!(calls.get(), 1);
        // A refused attachment is not remembered: the next call tries again.
        assert_eq!(
            files.attach("remap.config", "b.conf", || Err(Error::NotAvailable)),
            Err(Error::NotAvailable)
        );
        for i in 1..MAX_ATTACHED {
            files
                .attach("remap.config", &format!("{i}.conf"), attach)
                .unwrap();
        }
        assert_eq!(
            files.attach("remap.config", "one-more.conf", attach),
            Err(Error::LimitReached)
        );
        files.attach("remap.config", "a.conf", attach).unwrap();
        assert_eq!(calls.get(), MAX_ATTACHED);
    }
}
