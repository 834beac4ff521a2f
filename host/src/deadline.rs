//! A plugin's hook deadline, shortened while its hooks keep running past it.
//!
//! A hook stopped at its deadline held a proxy thread for all of it, and every request queued on
//! that thread waited too: a script that loops on one request in a hundred spends a thread's
//! time at any rate of traffic. So after a hook of a plugin hits the deadline, the plugin's next
//! hooks get a quarter of the time they had, though never less than [`HEADROOM`] times the
//! longest hook of the plugin that ran to its end (nor less than two epoch ticks); every
//! [`RECOVERY`] hooks that end in time double it again, up to the configured deadline. A plugin
//! that hits its deadline on one hook in a few hundred or more keeps its whole deadline.
//!
//! The figures are shared by every thread calling the plugin and updated without locks: what
//! one call reads may lag another's update by a hook, which changes nothing that matters.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::engine::EPOCH_TICK;

/// How much less time the hooks after one that hit the deadline get.
const SHORTEN: u64 = 4;

/// A shortened deadline leaves at least this many times the longest hook that ended in time.
pub const HEADROOM: u64 = 4;

/// Hooks that end in time before a shortened deadline doubles.
pub const RECOVERY: u64 = 100;

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
}

impl Deadline {
    /// A deadline that starts as `configured` and never exceeds it.
    pub fn new(configured: Duration) -> Deadline {
        Deadline {
            configured,
            now_ns: AtomicU64::new(nanos(configured)),
            longest_ns: AtomicU64::new(0),
            in_time: AtomicU64::new(0),
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
        match ended {
            Ended::InTime => {
                self.longest_ns.fetch_max(nanos(took), Relaxed);
                let now = self.now_ns.load(Relaxed);
                if now < configured && self.in_time.fetch_add(1, Relaxed) + 1 >= RECOVERY {
                    self.in_time.store(0, Relaxed);
                    self.now_ns
                        .store(now.saturating_mul(2).min(configured), Relaxed);
                }
            }
            Ended::AtDeadline => {
                let floor = self
                    .longest_ns
                    .load(Relaxed)
                    .saturating_mul(HEADROOM)
                    .max(nanos(EPOCH_TICK) * 2)
                    .min(configured);
                let now = self.now_ns.load(Relaxed);
                self.now_ns.store((now / SHORTEN).max(floor), Relaxed);
                self.in_time.store(0, Relaxed);
            }
            Ended::Otherwise => {}
        }
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
