//! The `plugin.tswasm.*` statistics (`traffic_ctl metric match tswasm`): the runtime's named
//! counters, summed over every tswasm plugin of the process, and the live instance count.

use std::ffi::c_int;

use tswasm::Counter;

use crate::ffi::*;
use crate::ts::cstring;

pub struct RuntimeStats {
    /// By [`Counter`], in `Counter::ALL` order; -1 where Traffic Server refused to create one.
    counters: [c_int; Counter::ALL.len()],
    live_instances: c_int,
}

impl RuntimeStats {
    /// Creates the statistics, or finds them if another copy of the library did.
    pub fn create() -> RuntimeStats {
        RuntimeStats {
            counters: Counter::ALL.map(|counter| stat(counter.name())),
            live_instances: stat("live_instances"),
        }
    }

    /// Counts one more of `counter`.
    pub fn count(&self, counter: Counter) {
        let id = self.counters[counter as usize];
        if id >= 0 {
            // SAFETY: an id TSStatCreate returned; Traffic Server sums per-thread increments.
            unsafe { TSStatIntIncrement(id, 1) }
        }
    }

    /// Publishes how many guest instances are alive.
    pub fn set_live_instances(&self, live: usize) {
        if self.live_instances >= 0 {
            let live = i64::try_from(live).unwrap_or(i64::MAX);
            // SAFETY: an id TSStatCreate returned.
            unsafe { TSStatIntSet(self.live_instances, live) };
        }
    }
}

/// The statistic `plugin.tswasm.NAME`: found if it exists, else created; -1 if neither works.
fn stat(name: &str) -> c_int {
    let name = cstring(&format!("plugin.tswasm.{name}"));
    let mut id: c_int = -1;
    // SAFETY: valid C strings and out pointer.
    unsafe {
        if TSStatFindName(name.as_ptr(), &mut id) == TS_SUCCESS {
            return id;
        }
        TSStatCreate(
            name.as_ptr(),
            TS_RECORDDATATYPE_INT,
            TS_STAT_NON_PERSISTENT,
            TS_STAT_SYNC_SUM,
        )
    }
}
