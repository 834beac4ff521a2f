//! A deliberately broken plugin for the runtime's fault tests. Its first argument picks the fault,
//! which happens at the read-request hook, or at remap when attached to a remap rule (or at start,
//! for `init-fail`):
//! `loop`, `oom`, `panic`, `sleep`, `bad-pointer`, `out-of-bounds`, `init-fail`, `chaos` (thousands of host calls with
//! in-bounds buffers but arbitrary enum values, indexes, lengths and bytes: the host must answer every
//! one with a value or an error code, never trap or panic), `hoard` (makes the host keep 64 KiB
//! header fields for the transaction until it refuses, then tries other kinds of edit, at this
//! hook and at send-response; what it got is in the statistics `hoard.*`), or `none` (behave).
//! A request with `X-Faults-Skip` is left alone but for `X-Faults-Instance-Calls: N`, this
//! instance's hook count, so tests can see an instance being rebuilt.

use tswasm_guest_sdk::{
    env, register, sys, Action, Fields, Hook, Plugin, RemapStatus, Txn, TxnHandle,
};

pub struct Faults {
    mode: String,
    calls: u64,
    hoard: Vec<Vec<u8>>,
}

impl Plugin for Faults {
    type TxnState = ();
    const HOOKS: &'static [Hook] = &[Hook::ReadRequest, Hook::Remap, Hook::SendResponse];

    fn new() -> Result<Self, String> {
        let mode = env::args()
            .into_iter()
            .next()
            .unwrap_or_else(|| "none".into());
        if mode == "init-fail" {
            return Err("asked to fail at start".into());
        }
        Ok(Faults {
            mode,
            calls: 0,
            hoard: Vec::new(),
        })
    }

    fn on_read_request(&mut self, txn: &mut Txn) -> Action {
        self.misbehave(txn)
    }

    fn on_send_response(&mut self, txn: &mut Txn) -> Action {
        if self.mode == "hoard" {
            let later = txn.client_response().append_header("X-Later", &HOARD_VALUE);
            report("hoard.later", later.map(|()| 0));
        }
        Action::Continue
    }

    /// Attached to a remap rule, the fault happens at remap instead.
    fn on_remap(&mut self, txn: &mut Txn) -> RemapStatus {
        match self.misbehave(txn) {
            Action::Continue => RemapStatus::NoRemap,
            Action::Error => RemapStatus::Error,
        }
    }
}

impl Faults {
    fn misbehave(&mut self, txn: &TxnHandle) -> Action {
        self.calls += 1;
        let request = txn.client_request();
        // Requests can opt out, so a test can check that the next one is served normally. Only
        // they are changed: a hook that faults after changing its transaction fails it whatever
        // the fail policy.
        if request.header("X-Faults-Skip").is_some() {
            let _ = request.set_header("X-Faults-Instance-Calls", &self.calls.to_string());
            return Action::Continue;
        }
        match self.mode.as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "oom" => loop {
                self.hoard.push(vec![1u8; 1 << 20]);
            },
            "panic" => panic!("the faults plugin panics on purpose"),
            // WASI's poll_oneoff, which would hold the proxy's thread past any deadline.
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                Action::Continue
            }
            "bad-pointer" => {
                let mut buf = [0u8; 16];
                let _ = &mut buf;
                // SAFETY (for the guest): deliberately hands the host a range past the end of memory.
                unsafe { sys::header_get(0, 0xffff_fff0, 64, 0, buf.as_mut_ptr() as u32, 16) };
                Action::Continue
            }
            "out-of-bounds" => {
                // SAFETY (for the guest): deliberately reads past the end of linear memory, which
                // the wasm runtime turns into a trap (a guard-page fault, caught by its handler).
                let value = unsafe { std::ptr::read_volatile(0xffff_fff0usize as *const u64) };
                let _ = request.set_header("X-Unreachable", &value.to_string());
                Action::Continue
            }
            "hoard" => {
                let mut appended: i64 = 0;
                let refusal = loop {
                    match request.append_header("X-Hoard", &HOARD_VALUE) {
                        Ok(()) => appended += 1,
                        Err(e) => break e,
                    }
                };
                report("hoard.appended", Ok(appended));
                report("hoard.refusal", Err::<i64, _>(refusal));
                report(
                    "hoard.respond",
                    txn.respond(200, HOARD_VALUE.as_bytes()).map(|()| 0),
                );
                let setting = "proxy.config.http.global_user_agent_header";
                report(
                    "hoard.config",
                    txn.set_config_string(setting, &HOARD_VALUE).map(|()| 0),
                );
                // Keeping nothing, removing still works past the limit.
                report(
                    "hoard.removed",
                    request.remove_header("X-Hoard").map(i64::from),
                );
                Action::Continue
            }
            "chaos" => {
                let (calls, errors) = chaos(txn.id());
                let _ = request.set_header("X-Chaos", &format!("calls={calls} errors={errors}"));
                Action::Continue
            }
            _ => Action::Continue,
        }
    }
}

/// A 64 KiB header value.
static HOARD_VALUE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| "h".repeat(64 << 10));

/// Sets statistic `name` to the value (0 for a call that returns nothing), or to the error's
/// code.
fn report<T: Into<i64>>(name: &str, outcome: Result<T, tswasm_guest_sdk::Error>) {
    let value = outcome.map_or_else(|e| i64::from(e.raw()), Into::into);
    if let Ok(stat) = env::Stat::create(name, tswasm_guest_sdk::StatKind::Gauge) {
        let _ = stat.set(value);
    }
}

/// A small deterministic generator (xorshift), seeded per transaction.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }

    /// A value that is usually small (a plausible enum or index) and sometimes extreme.
    fn arg(&mut self) -> u32 {
        match self.next() % 8 {
            0 => u32::MAX,
            1 => 1 << 31,
            2 => self.next(),
            _ => self.next() % 12,
        }
    }
}

const SCRATCH: usize = 512;

/// Calls every import with arbitrary arguments whose buffers stay inside `scratch`.
fn chaos(seed: u64) -> (u32, u32) {
    let mut scratch = vec![0u8; SCRATCH];
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (mut calls, mut errors) = (0u32, 0u32);
    for _ in 0..4000 {
        for byte in scratch.iter_mut().take(64) {
            *byte = rng.next() as u8;
        }
        let base = scratch.as_mut_ptr() as u32;
        // Two in-bounds buffers: (ptr, len) pairs inside the scratch area.
        let buffer = |rng: &mut Rng| {
            let start = rng.next() % SCRATCH as u32;
            let len = rng.next() % (SCRATCH as u32 - start + 1);
            (base + start, len)
        };
        let ((p1, l1), (p2, l2)) = (buffer(&mut rng), buffer(&mut rng));
        let out = base + (rng.next() % (SCRATCH as u32 - 8)) & !7;
        let (a, b) = (rng.arg(), rng.arg());
        let wide = (rng.next() as i64) << 20 | rng.next() as i64;
        // SAFETY (for the guest): every buffer lies inside `scratch`, which outlives the calls.
        let ret: i64 = unsafe {
            // hook_failed is left out: it reports a script error by design.
            match rng.next() % 61 {
                // Empty tag and message: random bytes would only make noisy log lines
                // (and warning-and-up levels turned invalid, so the test log stays readable).
                0 => sys::log(if (3..=5).contains(&a) { a + 100 } else { a }, p1, 0, p2, 0).into(),
                1 => sys::log_enabled(a, p1, l1).into(),
                2 => sys::time_now_ns(),
                3 => sys::plugin_arg_count().into(),
                4 => sys::plugin_arg_get(a, p1, l1).into(),
                5 => sys::txn_id(),
                6 => sys::hook_add(a).into(),
                7 => sys::header_count(a, p1, l1).into(),
                8 => sys::header_get(a, p1, l1, b, p2, l2).into(),
                9 => sys::header_set(a, p1, l1, p2, l2).into(),
                10 => sys::header_append(a, p1, l1, p2, l2).into(),
                11 => sys::header_remove(a, p1, l1).into(),
                12 => sys::field_count(a).into(),
                13 => sys::field_name(a, b, p1, l1).into(),
                14 => sys::field_value(a, b, p1, l1).into(),
                15 => sys::method_get(a, p1, l1).into(),
                16 => sys::method_set(a, p1, l1).into(),
                17 => sys::url_get(a, b, p1, l1).into(),
                18 => sys::url_set(a, b, p1, l1).into(),
                19 => sys::status_get(a).into(),
                20 => sys::status_set(a, b).into(),
                21 => sys::reason_get(a, p1, l1).into(),
                22 => sys::reason_set(a, p1, l1).into(),
                23 => sys::remap_url_get(a, b, p1, l1).into(),
                24 => sys::addr_get(a, p1, l1).into(),
                25 => sys::port_get(a).into(),
                26 => sys::cache_status_get().into(),
                27 => sys::cache_status_set(a).into(),
                28 => sys::cache_key_get(p1, l1).into(),
                29 => sys::cache_key_set(p1, l1).into(),
                30 => sys::respond(a, p1, l1).into(),
                31 => sys::respond_header_add(p1, l1, p2, l2).into(),
                32 => sys::config_int_get(p1, l1, out).into(),
                33 => sys::config_int_set(p1, l1, wide).into(),
                34 => sys::config_float_get(p1, l1, out).into(),
                35 => sys::config_float_set(p1, l1, f64::from_bits(wide as u64)).into(),
                36 => sys::config_string_get(p1, l1, p2, l2).into(),
                37 => sys::config_string_set(p1, l1, p2, l2).into(),
                38 => sys::stat_create(p1, l1, a).into(),
                39 => sys::stat_find(p1, l1).into(),
                40 => sys::stat_add(a, wide).into(),
                41 => sys::stat_set(a, wide).into(),
                42 => sys::stat_get(a, out).into(),
                43 => sys::version_get(a, p1, l1).into(),
                44 => sys::version_set(a, p1, l1).into(),
                45 => sys::source_get(p1, l1).into(),
                46 => sys::source_name_get(p1, l1).into(),
                47 => sys::proxy_info_get(a, p1, l1).into(),
                48 => sys::intercept(a, p1, l1).into(),
                49 => sys::protocol_get(a, p1, l1).into(),
                50 => sys::txn_fact_get(a, out).into(),
                51 => sys::milestone_get(a, out).into(),
                52 => sys::txn_control_get(a).into(),
                53 => sys::txn_control_set(a, b).into(),
                54 => sys::timeout_set(a, b).into(),
                55 => sys::redirect_url_set(p1, l1).into(),
                56 => sys::record_get(a, p1, l1, p2, l2).into(),
                57 => sys::text_log_create(p1, l1, a).into(),
                58 => sys::text_log_write(p1, l1, p2, l2).into(),
                59 => sys::text_log_destroy(p1, l1).into(),
                60 => sys::server_push(p1, l1).into(),
                _ => sys::header_get(a, p1, l1, b, p2, l2).into(),
            }
        };
        calls += 1;
        errors += (ret < 0) as u32;
    }
    (calls, errors)
}

register!(Faults);
