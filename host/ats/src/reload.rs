//! `--enable-reload`: a worker that runs a reload on `traffic_ctl config reload`, on a thread of
//! its own (compiling can take a while: never on one of Traffic Server's event threads). Reloads
//! asked for while one runs are folded into one more run after it.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::ffi::*;
use crate::guard::guarded;
use crate::log::error;

/// What a worker runs, and whether it is running or asked to run again.
pub struct Reloader {
    reload: Box<dyn Fn() + Send + Sync>,
    running: AtomicBool,
    again: AtomicBool,
}

impl Reloader {
    fn new(reload: impl Fn() + Send + Sync + 'static) -> Reloader {
        Reloader {
            reload: Box::new(reload),
            running: AtomicBool::new(false),
            again: AtomicBool::new(false),
        }
    }

    /// Asks for a reload; returns whether the caller must start a worker (none is running).
    fn ask(&self) -> bool {
        // Asked again while a reload runs: the running worker reloads once more when it is done.
        self.again.store(true, Ordering::Release);
        !self.running.swap(true, Ordering::AcqRel)
    }

    /// The worker: reloads until no request is pending.
    fn work(&self) {
        loop {
            while self.again.swap(false, Ordering::AcqRel) {
                (self.reload)();
            }
            self.running.store(false, Ordering::Release);
            // A request that came between the last check and the release is ours to serve, unless
            // another event already started a new worker.
            if !self.again.load(Ordering::Acquire) || self.running.swap(true, Ordering::AcqRel) {
                break;
            }
        }
    }
}

/// Runs `reload` whenever Traffic Server's configuration is reloaded, for the life of the process.
pub fn watch(reload: impl Fn() + Send + Sync + 'static) {
    let guarded_reload = move || guarded("reload", (), &reload);
    let reloader: &'static Reloader = Box::leak(Box::new(Reloader::new(guarded_reload)));
    // SAFETY: a continuation whose data is the leaked reloader; Traffic Server calls it on reload.
    unsafe {
        let cont = TSContCreate(Some(reload_event), TSMutexCreate());
        TSContDataSet(cont, (reloader as *const Reloader).cast_mut().cast());
        TSMgmtUpdateRegister(cont, c"tswasm".as_ptr());
    }
}

unsafe extern "C" fn reload_event(cont: TSCont, event: TSEvent, _: *mut c_void) -> c_int {
    if event != TS_EVENT_MGMT_UPDATE {
        return 0;
    }
    // SAFETY: the data is the leaked `Reloader`, which lives for the process.
    let reloader: &'static Reloader = unsafe { &*TSContDataGet(cont).cast::<Reloader>() };
    if !reloader.ask() {
        return 0;
    }
    let spawned = std::thread::Builder::new()
        .name("tswasm-reload".into())
        .spawn(move || reloader.work());
    if spawned.is_err() {
        reloader.running.store(false, Ordering::Release);
        error("cannot start the reload thread");
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn reloads_asked_for_while_one_runs_fold_into_one_more() {
        let runs = Arc::new(AtomicUsize::new(0));
        let me: Arc<std::sync::OnceLock<&'static Reloader>> = Arc::default();
        let (counted, slot) = (runs.clone(), me.clone());
        let reloader: &'static Reloader = Box::leak(Box::new(Reloader::new(move || {
            // Three more requests arrive during the first run; none starts a second worker.
            if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                let reloader = slot.get().expect("set before the worker runs");
                for _ in 0..3 {
                    assert!(!reloader.ask(), "a worker is running");
                }
            }
        })));
        me.set(reloader).ok();
        assert!(reloader.ask(), "the first request starts a worker");
        reloader.work();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert!(
            reloader.ask(),
            "the worker ended: the next request starts one"
        );
        reloader.work();
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }
}
