//! A faulting guest costs its own transaction (per the fail policy) and nothing else: the fault is
//! classified and counted, the instance rebuilt, and the next transaction is served normally.

mod common;

use std::time::Duration;

use common::*;
use tswasm::abi_types::{Hook, RemapStatus};
use tswasm::fault::FaultKind;
use tswasm::simulator::SimTxn;
use tswasm::{FailPolicy, HookPhase, Reply, Settings};

fn faulty(mode: &str, policy: FailPolicy) -> Settings {
    Settings {
        states: 1,
        fail_policy: policy,
        deadline: Duration::from_millis(50),
        memory_limit: 16 << 20,
        ..settings(&[mode])
    }
}

const REQUEST: &str = "GET /x HTTP/1.1\nHost: h\n\n";
const SKIP: &str = "GET /x HTTP/1.1\nHost: h\nX-Faults-Skip: 1\n\n";

fn check_fault(mode: &str, kind: FaultKind) {
    let (plugin, _) = load("faults", faulty(mode, FailPolicy::Open));
    let (txn, trace) = run(&[&plugin], request(REQUEST), None);
    let faulted = trace
        .iter()
        .find(|e| e.fault.is_some())
        .unwrap_or_else(|| panic!("{mode}: no fault"));
    assert_eq!(faulted.fault, Some(kind), "{mode}");
    assert_eq!(
        txn.client_response.unwrap().status,
        200,
        "{mode}: fail-open lets the request through"
    );

    // The next transaction runs on a fresh instance: the guest's hook counter starts again at 1.
    let (txn, trace) = run(&[&plugin], request(SKIP), None);
    assert!(
        trace.iter().all(|e| e.fault.is_none()),
        "{mode}: the next transaction is clean"
    );
    let sent = txn.server_request.unwrap();
    assert_eq!(
        header(&sent.headers, "X-Faults-Instance-Calls").as_deref(),
        Some("1"),
        "{mode}"
    );

    let stats = plugin.stats();
    let counted = match kind {
        FaultKind::Deadline => stats.deadline_hits,
        FaultKind::MemoryCap => stats.memory_cap_hits,
        FaultKind::Trap => stats.traps,
        FaultKind::BadReply => stats.bad_replies,
        FaultKind::Script => stats.script_errors,
        FaultKind::Lost => stats.lost_transactions,
    };
    assert_eq!(counted, 1, "{mode}: {stats:?}");
    assert_eq!(stats.instance_rebuilds, 1, "{mode}: {stats:?}");
}

#[test]
fn an_endless_loop_hits_the_deadline() {
    check_fault("loop", FaultKind::Deadline);
}

#[test]
fn unbounded_allocation_hits_the_memory_cap() {
    check_fault("oom", FaultKind::MemoryCap);
}

#[test]
fn a_guest_panic_is_a_trap() {
    check_fault("panic", FaultKind::Trap);
}

/// Runs `f` on a thread of its own and fails if it has not returned within a minute, far past
/// any deadline here: what a guest asks for must never hold a proxy thread.
fn promptly<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(f()));
    result
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what}: still waiting after a minute"))
}

#[test]
fn a_guest_that_sleeps_is_refused_not_waited_for() {
    // Rust's thread::sleep is WASI's poll_oneoff, which tswasm refuses: the guest panics.
    promptly("an hour's sleep", || check_fault("sleep", FaultKind::Trap));
}

#[test]
fn a_fifo_in_a_granted_directory_is_refused_not_opened() {
    // Opening a FIFO for reading waits for a writer, which nobody will be: the open must be
    // refused. A regular file beside it still opens.
    let dir = std::env::temp_dir().join(format!("tswasm-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success(), "mkfifo {}", fifo.display());
    std::fs::write(dir.join("plain.txt"), "plain\n").unwrap();
    let script = dir.join("open.lua");
    std::fs::write(
        &script,
        "local dir\n\
         function __init__(args) dir = args[1] return 0 end\n\
         local function try(name)\n\
           local f, err = io.open(dir .. '/' .. name, 'r')\n\
           if f then f:close() return 'opened' end\n\
           return err\n\
         end\n\
         function do_global_read_request()\n\
           ts.client_request.header['X-Fifo'] = try('fifo')\n\
           ts.client_request.header['X-Plain'] = try('plain.txt')\n\
         end\n",
    )
    .unwrap();
    let arg = dir.display().to_string();
    let sent = promptly("opening a FIFO", move || {
        let services = std::sync::Arc::new(tswasm::services::LocalServices::new(
            tswasm::abi_types::LogLevel::Warning,
        ));
        // The script's own directory is granted by default.
        let plugin = tswasm::Plugin::load(
            engine(),
            &script,
            faulty(&arg, FailPolicy::Closed),
            services,
        )
        .expect("script loads");
        let (txn, _) = run(&[&plugin], request(REQUEST), None);
        txn.server_request.expect("reached the origin")
    });
    assert_eq!(
        header(&sent.headers, "X-Fifo"),
        Some(format!("{}: Permission denied", fifo.display()))
    );
    assert_eq!(header(&sent.headers, "X-Plain").as_deref(), Some("opened"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_out_of_bounds_pointer_traps_the_guest_not_the_host() {
    check_fault("bad-pointer", FaultKind::Trap);
    // The guest's own access past its memory: a guard-page fault the runtime's handler catches.
    check_fault("out-of-bounds", FaultKind::Trap);
}

#[test]
fn a_transaction_whose_instance_was_rebuilt_meanwhile_gets_the_fail_policy() {
    let client = "127.0.0.1:40000".parse().unwrap();
    for (policy, reply) in [
        (FailPolicy::Closed, RemapStatus::Error),
        (FailPolicy::Open, RemapStatus::NoRemap),
    ] {
        let (plugin, _) = load("faults", faulty("panic", policy));
        // A runs its first hook, and goes on with the instance keeping what it keeps of A.
        let mut a = SimTxn::new(1, client, request(SKIP));
        a.hook = Hook::ReadRequest;
        let mut a_bound = plugin.bind(a.id);
        let call = plugin.call(&mut a_bound, Hook::ReadRequest, HookPhase::Global, &mut a);
        assert!(call.fault.is_none(), "{policy:?}");
        // B faults on the same (only) instance, which is rebuilt.
        let mut b = SimTxn::new(2, client, request(REQUEST));
        b.hook = Hook::ReadRequest;
        let mut b_bound = plugin.bind(b.id);
        let call = plugin.call(&mut b_bound, Hook::ReadRequest, HookPhase::Global, &mut b);
        assert_eq!(call.fault.map(|f| f.kind), Some(FaultKind::Trap));
        // A's next hook finds an instance that knows nothing of A: never silently.
        a.hook = Hook::Remap;
        let call = plugin.call(&mut a_bound, Hook::Remap, HookPhase::Global, &mut a);
        assert_eq!(
            call.fault.map(|f| f.kind),
            Some(FaultKind::Lost),
            "{policy:?}"
        );
        assert_eq!(call.reply, Reply::Remap(reply), "{policy:?}");
        // Once: A's hooks after that run on the new instance.
        let call = plugin.call(&mut a_bound, Hook::Remap, HookPhase::Global, &mut a);
        assert!(call.fault.is_none(), "{policy:?}");
        let stats = plugin.stats();
        assert_eq!((stats.traps, stats.lost_transactions), (1, 1), "{policy:?}");
    }
}

#[test]
fn fail_closed_answers_500_and_still_serves_the_next_request() {
    let (plugin, _) = load("faults", faulty("panic", FailPolicy::Closed));
    let (txn, _) = run(&[&plugin], request(REQUEST), None);
    assert!(
        txn.server_request.is_none(),
        "a failed request does not reach the origin"
    );
    // At read-request: Traffic Server's bare answer to a failed transaction.
    let resp = txn.client_response.unwrap();
    assert_eq!((resp.status, resp.reason.as_str()), (500, "INKApi Error"));
    assert_eq!(resp.body, b"");
    assert_eq!(resp.headers.get(b"Content-Length", 0), Some(&b"0"[..]));
    let (txn, _) = run(&[&plugin], request(SKIP), None);
    assert_eq!(txn.client_response.unwrap().status, 200);
}

#[test]
fn a_fault_on_one_instance_leaves_the_others_alone() {
    let (plugin, _) = load(
        "faults",
        Settings {
            states: 2,
            ..faulty("panic", FailPolicy::Open)
        },
    );
    // Instance 0 and 1 each serve one clean request, then instance 0 faults.
    for id in 0..2 {
        run_as(id, &[&plugin], request(SKIP));
    }
    run_as(2, &[&plugin], request(REQUEST));
    let (txn, _) = run_as(3, &[&plugin], request(SKIP));
    let sent = txn.server_request.unwrap();
    assert_eq!(
        header(&sent.headers, "X-Faults-Instance-Calls").as_deref(),
        Some("2"),
        "instance 1 kept its state"
    );
    assert_eq!(plugin.stats().instance_rebuilds, 1);
}

#[test]
fn a_plugin_that_refuses_to_start_is_a_load_error_naming_the_file() {
    let services = std::sync::Arc::new(tswasm::services::LocalServices::new(
        tswasm::abi_types::LogLevel::Error,
    ));
    let err = tswasm::Plugin::load(
        engine(),
        &guest("faults"),
        faulty("init-fail", FailPolicy::Open),
        services,
    )
    .err()
    .expect("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("faults.wasm") && msg.contains("tswasm_init"),
        "{msg}"
    );
}

#[test]
fn arbitrary_arguments_get_answers_never_a_trap_or_a_host_panic() {
    let (plugin, _) = load("faults", faulty("chaos", FailPolicy::Open));
    for _ in 0..5 {
        let (_, trace) = run(&[&plugin], request(REQUEST), None);
        assert!(trace.iter().all(|e| e.fault.is_none()), "{trace:?}");
    }
    let stats = plugin.stats();
    assert_eq!((stats.traps, stats.instance_rebuilds), (0, 0), "{stats:?}");
    // The guest reports how many calls it made and how many the host refused with an error code.
    let (txn, _) = run(&[&plugin], request("GET /x HTTP/1.1\nHost: h\n\n"), None);
    if let Some(sent) = txn.server_request {
        let chaos = header(&sent.headers, "X-Chaos").expect("chaos report");
        assert!(chaos.starts_with("calls=4000 errors="), "{chaos}");
    }
}

#[test]
fn what_a_transaction_makes_the_host_keep_is_refused_past_its_limit() {
    let limit = 1 << 20;
    let (plugin, services) = load(
        "faults",
        Settings {
            txn_memory_limit: limit,
            ..faulty("hoard", FailPolicy::Closed)
        },
    );
    let stat = |name: &str| {
        let found = services.stats().into_iter().find(|(n, _)| n == name);
        found
            .unwrap_or_else(|| panic!("the guest reported {name}"))
            .1
    };
    let refused = i64::from(tswasm::abi_types::Error::LimitReached.raw());
    // Twice: each transaction has a limit of its own.
    for round in 0..2 {
        let (txn, trace) = run(&[&plugin], request(REQUEST), None);
        assert!(trace.iter().all(|e| e.fault.is_none()), "{trace:?}");
        let appended = usize::try_from(stat("hoard.appended")).unwrap();
        // Each field counts its value and name, plus at most a field's worth for the entries.
        let field = (64 << 10) + "X-Hoard".len();
        assert!(
            appended * field <= limit && (appended + 2) * field > limit,
            "round {round}: {appended} fields of {field} bytes against {limit}"
        );
        assert_eq!(stat("hoard.refusal"), refused, "round {round}");
        // Past the limit every edit that keeps bytes is refused, at this hook and later ones;
        // removing keeps nothing and works.
        for name in ["hoard.respond", "hoard.config", "hoard.later"] {
            assert_eq!(stat(name), refused, "round {round}: {name}");
        }
        assert_eq!(stat("hoard.removed"), appended as i64, "round {round}");
        let sent = txn.server_request.expect("the request reached the origin");
        assert_eq!(header(&sent.headers, "X-Hoard"), None);
        let resp = txn.client_response.unwrap();
        assert_eq!((resp.status, header(&resp.headers, "X-Later")), (200, None));
    }
    assert_eq!(plugin.stats().instance_rebuilds, 0);
}

#[test]
fn a_plugin_that_keeps_hitting_its_deadline_gets_less_time_until_its_hooks_end_in_time() {
    let (plugin, _) = load(
        "faults",
        Settings {
            deadline: Duration::from_millis(100),
            ..faulty("loop", FailPolicy::Open)
        },
    );
    let client = "127.0.0.1:40000".parse().unwrap();
    let mut id = 0;
    let mut call = |text: &str| {
        id += 1;
        let mut txn = SimTxn::new(id, client, request(text));
        txn.hook = Hook::ReadRequest;
        let mut binding = plugin.bind(txn.id);
        plugin.call(&mut binding, Hook::ReadRequest, HookPhase::Global, &mut txn)
    };
    let cause = |call: tswasm::HookCall| {
        let fault = call.fault.expect("a fault");
        assert_eq!(fault.kind, FaultKind::Deadline);
        fault.cause
    };
    // A quarter each time, down to two epoch ticks (no hook has ended in time yet).
    for allowed in [100, 25, 10, 10] {
        let cause = cause(call(REQUEST));
        assert!(
            cause.contains(&format!("after the {allowed} ms deadline")),
            "{cause}"
        );
    }
    // Hooks that end in time double it every hundred, back to the whole deadline.
    for _ in 0..4 * tswasm::deadline::RECOVERY {
        assert!(call(SKIP).fault.is_none());
    }
    let cause = cause(call(REQUEST));
    assert!(cause.contains("after the 100 ms deadline"), "{cause}");
}
