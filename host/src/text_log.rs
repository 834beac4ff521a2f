//! Text logs: files in the proxy's log directory that plugins write lines to. A name opens one log
//! per process, however many plugins, instances and states open it, so every copy of a script
//! writes to the same file; the number a process keeps open is bounded, so a guest cannot exhaust
//! the proxy's file descriptors.

use std::collections::HashMap;
use std::sync::RwLock;

use tswasm_abi::Error;

use crate::txn::AbiResult;

/// How many text logs one process keeps open at most.
pub const MAX_OPEN: usize = 64;

/// The longest line (the time included) Traffic Server writes to a text log with its default
/// log buffer (`proxy.config.log.log_buffer_size` 9216); it drops longer lines whole.
pub const LONGEST_LINE: usize = 9111;

/// An open text log as a proxy keeps it; closed when dropped.
pub trait TextLogFile: Send + Sync {
    /// Writes one line (without NUL; the proxy adds the line end and, if asked, the time).
    fn write(&self, text: &[u8]);
}

/// The open text logs of a process, by name.
pub struct TextLogs<F> {
    open: RwLock<HashMap<String, F>>,
}

impl<F> Default for TextLogs<F> {
    fn default() -> Self {
        TextLogs {
            open: RwLock::default(),
        }
    }
}

impl<F: TextLogFile> TextLogs<F> {
    /// Opens log `name` with `open`, unless it is open already (then its mode stays as it was).
    pub fn create(&self, name: &str, open: impl FnOnce() -> AbiResult<F>) -> AbiResult<()> {
        // Scripts create their log again and again (tslua's in every request): found under the
        // lock writers share.
        if self
            .open
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(name)
        {
            return Ok(());
        }
        let mut logs = self.open.write().unwrap_or_else(|e| e.into_inner());
        if logs.contains_key(name) {
            return Ok(());
        }
        if logs.len() >= MAX_OPEN {
            return Err(Error::LimitReached);
        }
        logs.insert(name.to_owned(), open()?);
        Ok(())
    }

    /// Writes a line to the open log `name`; `NotFound` if it is not open.
    pub fn write(&self, name: &str, text: &[u8]) -> AbiResult<()> {
        let logs = self.open.read().unwrap_or_else(|e| e.into_inner());
        logs.get(name).ok_or(Error::NotFound)?.write(text);
        Ok(())
    }

    /// Closes the open log `name`; `NotFound` if it is not open.
    pub fn destroy(&self, name: &str) -> AbiResult<()> {
        let closed = self
            .open
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        closed.map(drop).ok_or(Error::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Lines(Arc<Mutex<Vec<Vec<u8>>>>);

    impl TextLogFile for Lines {
        fn write(&self, text: &[u8]) {
            self.0.lock().unwrap().push(text.to_vec());
        }
    }

    #[test]
    fn a_name_opens_one_log_until_destroyed() {
        let logs = TextLogs::default();
        let written = Arc::new(Mutex::new(Vec::new()));
        let opened = Mutex::new(0);
        let open = || {
            *opened.lock().unwrap() += 1;
            Ok(Lines(written.clone()))
        };
        assert_eq!(logs.write("a", b"early"), Err(Error::NotFound));
        logs.create("a", open).unwrap();
        logs.create("a", open).unwrap();
        assert_eq!(
            *opened.lock().unwrap(),
            1,
            "the second create finds the first"
        );
        logs.write("a", b"one").unwrap();
        logs.destroy("a").unwrap();
        assert_eq!(logs.write("a", b"late"), Err(Error::NotFound));
        assert_eq!(logs.destroy("a"), Err(Error::NotFound));
        assert_eq!(*written.lock().unwrap(), vec![b"one".to_vec()]);
    }

    #[test]
    fn a_process_keeps_a_bounded_number_open() {
        let logs = TextLogs::default();
        let sink = Arc::new(Mutex::new(Vec::new()));
        for n in 0..MAX_OPEN {
            logs.create(&format!("log{n}"), || Ok(Lines(sink.clone())))
                .unwrap();
        }
        let refused = logs.create("one-more", || Ok(Lines(sink.clone())));
        assert_eq!(refused, Err(Error::LimitReached));
        logs.create("log0", || Ok(Lines(sink.clone())))
            .expect("an open one is still found");
        logs.destroy("log0").unwrap();
        logs.create("one-more", || Ok(Lines(sink.clone())))
            .expect("a closed one makes room");
    }
}
