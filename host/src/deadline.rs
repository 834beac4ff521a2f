//! A plugin's hook deadline, shortened while its hooks keep running past it.
//!
//! A hook stopped at its deadline held a proxy thread for all of it, and every request queued on
//! that thread waited too: a script that loops on one request in a hundred spends a thread's
//! time at any rate of traffic. So after a hook of a plugin hits the deadline, the plugin's next
//! hooks get a quarter of the time they had, though never less than [`HEADROOM`] times the
//! longest of its recent hooks that ended in time (nor less than two epoch ticks). It doubles
//! again after every [`RECOVERY`] hooks that end in time, and after every [`RECOVERY_TIME`]
//! whatever the hooks did, up to the configured deadline: a plugin whose every hook needs more
//! than the shortened deadline gets its time back within seconds. "Recent" is kept by halving
//! the longest in-time hook every [`RECOVERY`] hooks, so one slow hook long ago does not keep
//! the deadline whole for ever.
//!
//! The figures are shared by every thread calling the plugin and updated without locks: what
//! one call reads may lag another's update by a hook, which changes nothing that matters.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crate::engine::EPOCH_TICK;

/// How much less time the hooks after one that hit the deadline get.
const SHORTEN: u64 = 4;

/// A shortened deadline leaves at least this many times the longest hook that ended in time.
pub const HEADROOM: u64 = 4;

/// Hooks that end in time before a shortened deadline doubles.
pub const RECOVERY: u64 = 100;

/// Time after which a shortened deadline doubles, whatever the hooks did meanwhile.
pub const RECOVERY_TIME: Duration = Duration::from_secs(1);

/// How a hook call ended, as far as its deadline is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It returned (whatever it returned).
    InTime,
    /// It was stopped at its deadline.
    AtDeadline,
    /// Another fault stopped it.
    Otherwise,
}

/// One plugin's deadline for its hooks.
#[derive(Debug)]
pub struct Deadline {
    configured: Duration,
    /// The deadline now, in nanoseconds.
    now_ns: AtomicU64,
    /// The longest hook that ended in time, in nanoseconds.
    longest_ns: AtomicU64,
    /// Hooks that ended in time since the deadline last changed.
    in_time: AtomicU64,
    /// When the deadline last changed, in nanoseconds since `epoch`.
    changed_ns: AtomicU64,
    epoch: Instant,
}

impl Deadline {
    /// A deadline that starts as `configured` and never exceeds it.
    pub fn new(configured: Duration) -> Deadline {
        Deadline {
            configured,
            now_ns: AtomicU64::new(nanos(configured)),
            longest_ns: AtomicU64::new(0),
            in_time: AtomicU64::new(0),
            changed_ns: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// The deadline the next hook gets.
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.now_ns.load(Relaxed))
    }

    /// Whether the deadline is shorter than configured.
    pub fn shortened(&self) -> bool {
        self.now() < self.configured
    }

    /// Records how a hook that took `took` ended, adjusting the deadline.
    pub fn ended(&self, ended: Ended, took: Duration) {
        let configured = nanos(self.configured);
        let now = self.now_ns.load(Relaxed);
        let clock = nanos(self.epoch.elapsed());
        match ended {
            Ended::InTime => {
                self.longest_ns.fetch_max(nanos(took), Relaxed);
                if self.in_time.fetch_add(1, Relaxed) + 1 >= RECOVERY {
                    self.in_time.store(0, Relaxed);
                    self.longest_ns
                        .store(self.longest_ns.load(Relaxed) / 2, Relaxed);
                    if now < configured {
                        self.set(now.saturating_mul(2).min(configured), clock);
                        return;
                    }
                }
            }
            Ended::AtDeadline => {
                let floor = self
                    .longest_ns
                    .load(Relaxed)
                    .saturating_mul(HEADROOM)
                    .max(nanos(EPOCH_TICK) * 2)
                    .min(configured);
                self.in_time.store(0, Relaxed);
                self.set((now / SHORTEN).max(floor), clock);
                return;
            }
            Ended::Otherwise => {}
        }
        let since = clock.saturating_sub(self.changed_ns.load(Relaxed));
        if now < configured && since >= nanos(RECOVERY_TIME) {
            self.set(now.saturating_mul(2).min(configured), clock);
        }
    }

    fn set(&self, deadline_ns: u64, clock: u64) {
        self.now_ns.store(deadline_ns, Relaxed);
        self.changed_ns.store(clock, Relaxed);
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn hits_shorten_it_down_to_headroom_over_the_longest_hook_and_hooks_in_time_restore_it() {
        let deadline = Deadline::new(100 * MS);
        deadline.ended(Ended::InTime, 3 * MS);
        deadline.ended(Ended::AtDeadline, 100 * MS);
        assert_eq!(deadline.now(), 25 * MS);
        deadline.ended(Ended::AtDeadline, 25 * MS);
        // A quarter again would be 6.25 ms, under four times the longest hook in time.
        assert_eq!(deadline.now(), 12 * MS);
        deadline.ended(Ended::Otherwise, MS);
        assert_eq!(deadline.now(), 12 * MS);
        for _ in 0..RECOVERY {
            deadline.ended(Ended::InTime, MS);
        }
        assert_eq!(deadline.now(), 24 * MS);
        for _ in 0..3 * RECOVERY {
            deadline.ended(Ended::InTime, MS);
        }
        assert_eq!(deadline.now(), 100 * MS);
        assert!(!deadline.shortened());
    }

    #[test]
    fn a_slow_hook_long_ago_does_not_keep_it_whole_and_time_restores_it() {
        let deadline = Deadline::new(100 * MS);
        deadline.ended(Ended::InTime, 90 * MS);
        deadline.ended(Ended::AtDeadline, 100 * MS);
        assert_eq!(deadline.now(), 100 * MS, "the slow hook needs it whole");
        // After a few hundred quick hooks the slow one no longer counts.
        for _ in 0..4 * RECOVERY {
            deadline.ended(Ended::InTime, MS);
        }
        deadline.ended(Ended::AtDeadline, 100 * MS);
        assert_eq!(deadline.now(), 25 * MS);
        // Hooks that all need more than that get it back as time passes.
        std::thread::sleep(RECOVERY_TIME);
        deadline.ended(Ended::AtDeadline, 25 * MS);
        assert!(deadline.now() < 25 * MS);
        std::thread::sleep(RECOVERY_TIME);
        deadline.ended(Ended::Otherwise, MS);
        assert!(deadline.now() > 10 * MS, "{:?}", deadline.now());
    }

    #[test]
    fn never_below_two_ticks_nor_above_the_configured_deadline() {
        let deadline = Deadline::new(100 * MS);
        for _ in 0..10 {
            deadline.ended(Ended::AtDeadline, deadline.now());
        }
        assert_eq!(deadline.now(), EPOCH_TICK * 2);
        // A hook in time as long as the deadline keeps it whole from then on.
        let slow = Deadline::new(20 * MS);
        slow.ended(Ended::InTime, 15 * MS);
        slow.ended(Ended::AtDeadline, 20 * MS);
        assert_eq!(slow.now(), 20 * MS);
    }
}
