//! The ABI from a hostile guest: the faults guest's `chaos` mode calls every import thousands of
//! times with arbitrary enum values, indexes, lengths and bytes (buffers inside its memory),
//! seeded by the transaction id, which the fuzzer picks at random. Every call must get a value or
//! an error code: no trap, no host panic, no fault.

use std::sync::Arc;

use tswasm::abi_types::LogLevel;
use tswasm::services::LocalServices;
use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, Request, Response, Role, SimTxn};
use tswasm::{Engine, Plugin, Settings};

use crate::Target;

pub struct Abi {
    plugin: Plugin,
}

impl Abi {
    pub fn new(engine: &'static Engine) -> Abi {
        let guest = crate::repo_root().join("target/guests/faults.wasm");
        let settings = Settings {
            states: 1,
            cache_dir: CacheDir::Off,
            args: vec!["chaos".into()],
            ..Settings::default()
        };
        let services = Arc::new(LocalServices::new(LogLevel::Error));
        let plugin = Plugin::load(engine, &guest, settings, services)
            .unwrap_or_else(|e| panic!("{e:#} (run scripts/build-guests first)"));
        Abi { plugin }
    }
}

impl Target for Abi {
    fn name(&self) -> &'static str {
        "abi"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        vec![1u64.to_le_bytes().to_vec()]
    }

    fn run(&mut self, input: &[u8]) {
        let mut id = [0u8; 8];
        for (i, byte) in input.iter().enumerate() {
            id[i % 8] ^= byte;
        }
        let id = u64::from_le_bytes(id) >> 2;
        let request = Request::parse(b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n").expect("a request");
        let mut txn = SimTxn::new(id, "127.0.0.1:40000".parse().expect("an address"), request);
        let attached = [Attached {
            plugin: &self.plugin,
            role: Role::Global,
        }];
        let origin = Response::local(200, b"ok");
        let mut trace = Vec::new();
        simulator::run(
            &attached,
            &mut txn,
            &mut |_: &Request| origin.clone(),
            Some(&mut trace),
        );
        let faults: Vec<_> = trace.iter().filter_map(|e| e.fault).collect();
        assert!(faults.is_empty(), "transaction {id}: {faults:?}");
    }
}
