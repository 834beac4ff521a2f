//! A deliberately broken plugin for the runtime's fault tests. Its first argument picks the fault,
//! which happens at the read-request hook (or at start, for `init-fail`):
//! `loop`, `oom`, `panic`, `bad-pointer`, `init-fail`, or `none` (behave).
//! Every request also gets `X-Faults-Instance-Calls: N`, this instance's hook count, so tests can see
//! an instance being rebuilt.

use tswasm_guest_sdk::{env, register, sys, Action, Fields, Hook, Plugin, Txn};

pub struct Faults {
    mode: String,
    calls: u64,
    hoard: Vec<Vec<u8>>,
}

impl Plugin for Faults {
    const HOOKS: &'static [Hook] = &[Hook::ReadRequest];

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

    fn on_read_request(&mut self, txn: &Txn) -> Action {
        self.calls += 1;
        let request = txn.client_request();
        let _ = request.set_header("X-Faults-Instance-Calls", &self.calls.to_string());
        // Requests can opt out, so a test can check that the next one is served normally.
        if request.header("X-Faults-Skip").is_some() {
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
            "bad-pointer" => {
                let mut buf = [0u8; 16];
                let _ = &mut buf;
                // SAFETY (for the guest): deliberately hands the host a range past the end of memory.
                unsafe { sys::header_get(0, 0xffff_fff0, 64, 0, buf.as_mut_ptr() as u32, 16) };
                Action::Continue
            }
            _ => Action::Continue,
        }
    }
}

register!(Faults);
