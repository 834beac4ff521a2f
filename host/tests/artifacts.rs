//! `tswasm compile` / `run` / `inspect` on every example, with `.wasm` and `.cwasm`, and the refusal
//! of files that are not loadable plugins: one clear error line, non-zero exit.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use tswasm::artifact::{self, Origin};

const EXAMPLES: &[(&str, &[&str])] = &[
    ("security-headers", &[]),
    ("path-normalize", &[]),
    ("access-control", &["--arg", "deny-path=/admin"]),
    (
        "cache-key",
        &["--remap", "http://www.example.com/ http://127.0.0.1:8080/"],
    ),
];

fn tswasm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tswasm"))
        .args(args)
        .env("TSWASM_CACHE_DIR", scratch("cache"))
        .output()
        .expect("tswasm runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("tswasm-artifacts-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tswasm run --json`'s output without its trace, and with what changes from run to run, as
/// in Traffic Server, written `<uuid>` and `<date>`: the proxy's process UUID (in the `Via` field
/// it adds) and the client response's `Date`.
fn comparable(json: &[u8]) -> serde_json::Value {
    let mut json: serde_json::Value = serde_json::from_slice(json).unwrap();
    json.as_object_mut().unwrap().remove("trace");
    if let Some(fields) = json["client_response"]["headers"].as_array_mut() {
        for field in fields.iter_mut().filter(|f| f[0] == "Date") {
            field[1] = "<date>".into();
        }
    }
    let text = json.to_string();
    let uuid = text
        .split("traffic_server[")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or("<uuid>");
    serde_json::from_str(&text.replace(uuid, "<uuid>")).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit status non-zero and exactly one `tswasm: error:` line that names the file.
fn assert_refused(output: &Output, file: &Path, reason: &str) {
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("tswasm: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains(&file.display().to_string()), "{stderr}");
    assert!(
        errors[0].contains(reason),
        "expected `{reason}` in: {stderr}"
    );
}

#[test]
fn every_example_runs_the_same_from_wasm_and_cwasm() {
    let request = repo_root().join("examples/requests/admin.http");
    for (name, extra) in EXAMPLES {
        let wasm = guest(name);
        let cwasm = scratch("compiled").join(format!("{name}.cwasm"));
        let compiled = tswasm(&[
            "compile",
            wasm.to_str().unwrap(),
            "-o",
            cwasm.to_str().unwrap(),
        ]);
        assert!(
            compiled.status.success(),
            "{name}: {}",
            text(&compiled.stderr)
        );

        let run = |plugin: &Path| {
            let mut args = vec![
                "run",
                plugin.to_str().unwrap(),
                "--request",
                request.to_str().unwrap(),
                "--json",
            ];
            args.extend_from_slice(extra);
            let out = tswasm(&args);
            assert!(out.status.success(), "{name}: {}", text(&out.stderr));
            (comparable(&out.stdout), text(&out.stderr))
        };
        let (from_wasm, _) = run(&wasm);
        let (from_cwasm, trace) = run(&cwasm);
        assert!(trace.contains("loaded (precompiled)"), "{name}: {trace}");
        assert_eq!(from_wasm, from_cwasm, "{name}");

        let inspected = text(&tswasm(&["inspect", cwasm.to_str().unwrap()]).stdout);
        assert!(
            inspected.contains("precompiled (.cwasm)") && inspected.contains("abi version:  1"),
            "{inspected}"
        );
        assert!(inspected.contains("tswasm_v1::"), "{inspected}");
    }
}

#[test]
fn run_prints_the_origin_request_and_client_response_as_raw_http() {
    let out = tswasm(&[
        "run",
        guest("access-control").to_str().unwrap(),
        "--request",
        repo_root()
            .join("examples/requests/admin.http")
            .to_str()
            .unwrap(),
        "--arg",
        "deny-path=/admin",
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("--- request to origin: none (answered by the proxy) ---"),
        "{stdout}"
    );
    assert!(stdout.contains("HTTP/1.1 403 Forbidden\r\n"), "{stdout}");
    assert!(
        text(&out.stderr).contains("read-request"),
        "per-hook trace on stderr"
    );
}

#[test]
fn tslua_scripts_run_unchanged_under_tswasm_run() {
    // A typical remap script that begins with `jit.off(true, true)`: a CORS preflight is answered
    // by the proxy.
    let preflight = repo_root().join("examples/requests/cors-preflight.http");
    let script = repo_root().join("examples/lua/cors-and-routing.lua");
    let out = tswasm(&[
        "run",
        script.to_str().unwrap(),
        "--request",
        preflight.to_str().unwrap(),
        "--remap",
        "http://www.example.com/ http://127.0.0.1:8080/",
        "--arg",
        "https://app.example.com",
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("HTTP/1.1 204 "), "{stdout}");
    assert!(
        stdout.contains("Access-Control-Allow-Origin: https://app.example.com\r\n"),
        "{stdout}"
    );

    // A script whose `__init__` `dofile`s its settings from its own directory: readable without
    // a flag, refused with `--grant none`, readable again when that directory is named.
    let case = repo_root().join("compat/conformance/sandbox-stdlib");
    let run = |grants: &[&str]| {
        let mut args = vec![
            "run".to_string(),
            case.join("script.lua").to_string_lossy().into_owned(),
            "--request".into(),
            case.join("request.http").to_string_lossy().into_owned(),
        ];
        for grant in grants {
            args.extend(["--grant".into(), grant.to_string()]);
        }
        tswasm(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let case_dir = case.to_string_lossy().into_owned();
    for grants in [&[][..], &["none", &case_dir]] {
        let out = run(grants);
        assert!(out.status.success(), "{grants:?}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("X-Setting: hello from a granted dir\r\n"),
            "{grants:?}: {}",
            text(&out.stdout)
        );
    }
    let refused = run(&["none"]);
    assert!(
        !refused.status.success(),
        "with --grant none the load fails"
    );
    assert!(
        text(&refused.stderr).contains("settings.lua"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn inspect_names_the_hooks_and_the_abi() {
    let out = tswasm(&["inspect", guest("cache-key").to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("hooks:        remap"), "{stdout}");
    assert!(stdout.contains("tswasm_on_hook (function)"), "{stdout}");
    assert!(
        stdout.contains("tswasm_v1::cache_key_set (function)"),
        "{stdout}"
    );
}

#[test]
fn truncated_foreign_and_non_plugin_files_are_refused() {
    let dir = scratch("bad");
    let cwasm = dir.join("good.cwasm");
    assert!(tswasm(&[
        "compile",
        guest("security-headers").to_str().unwrap(),
        "-o",
        cwasm.to_str().unwrap()
    ])
    .status
    .success());
    let bytes = std::fs::read(&cwasm).unwrap();
    let request = repo_root().join("examples/requests/simple.http");
    let run = |file: &Path| {
        tswasm(&[
            "run",
            file.to_str().unwrap(),
            "--request",
            request.to_str().unwrap(),
        ])
    };

    // Too large to read and compile on a proxy thread: refused before either (a sparse file).
    let huge = dir.join("huge.wasm");
    let file = std::fs::File::create(&huge).unwrap();
    std::io::Write::write_all(&mut &file, b"\0asm\x01\0\0\0").unwrap();
    file.set_len(40 << 20).unwrap();
    assert_refused(
        &run(&huge),
        &huge,
        "40 MiB, more than the 32 MiB a module to compile may be",
    );

    // A FIFO would hold the loading thread until someone writes to it: refused unopened.
    for name in ["fifo.lua", "fifo.wasm"] {
        let fifo = dir.join(name);
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_refused(&run(&fifo), &fifo, "not a regular file");
    }

    let truncated = dir.join("truncated.cwasm");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert_refused(&run(&truncated), &truncated, "truncated or corrupt");

    // The same artifact claiming another wasmtime version: the engine section holds a format byte,
    // a length byte and the major version ("48").
    let major = wasmtime_version().split('.').next().unwrap().to_string();
    let needle = [&[0u8, major.len() as u8][..], major.as_bytes()].concat();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("version in artifact")
        + 2;
    let mut foreign = tswasm::seal::open(&bytes, b"").unwrap().to_vec();
    foreign[at] = if foreign[at] == b'9' {
        b'1'
    } else {
        foreign[at] + 1
    };
    // Sealed again, so the version check itself is what refuses it.
    let other_version = dir.join("other-version.cwasm");
    std::fs::write(&other_version, tswasm::seal::seal(foreign, b"")).unwrap();
    assert_refused(
        &run(&other_version),
        &other_version,
        "Recompile it with this build's `tswasm compile`",
    );

    let text_file = dir.join("notes.wasm");
    std::fs::write(&text_file, "these are not the bytes you are looking for").unwrap();
    assert_refused(&run(&text_file), &text_file, "not a WebAssembly module");

    let empty_module = dir.join("empty.wasm");
    std::fs::write(&empty_module, b"\0asm\x01\0\0\0").unwrap();
    assert_refused(&run(&empty_module), &empty_module, "not a tswasm plugin");
    let out = dir.join("empty.cwasm");
    assert_refused(
        &tswasm(&[
            "compile",
            empty_module.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]),
        &empty_module,
        "not a tswasm plugin",
    );
    assert!(
        !out.exists(),
        "no artifact for a module that could never load"
    );

    let missing = dir.join("missing.wasm");
    assert_refused(&run(&missing), &missing, "cannot");

    // An output that is a directory: refused, and nothing left beside it.
    let into_dir = tswasm(&[
        "compile",
        guest("security-headers").to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(!into_dir.status.success());
    assert!(
        text(&into_dir.stderr).contains("a directory"),
        "{}",
        text(&into_dir.stderr)
    );
    assert!(
        !dir.with_extension("cwasm.tmp").exists(),
        "a stray temporary file"
    );
}

#[test]
fn a_damaged_or_unsealed_artifact_is_refused_before_any_code_runs() {
    let dir = scratch("damaged");
    let cwasm = dir.join("good.cwasm");
    let made = tswasm(&[
        "compile",
        guest("security-headers").to_str().unwrap(),
        "-o",
        cwasm.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let bytes = std::fs::read(&cwasm).unwrap();
    let content = tswasm::seal::open(&bytes, b"").expect("sealed").to_vec();
    let request = repo_root().join("examples/requests/simple.http");
    let run = |file: &Path| {
        tswasm(&[
            "run",
            file.to_str().unwrap(),
            "--request",
            request.to_str().unwrap(),
        ])
    };
    assert!(run(&cwasm).status.success());

    // A bit flipped anywhere, machine code included: a crash in the proxy if it were mapped.
    for at in [content.len() / 3, content.len() / 2, content.len() - 1] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        let file = dir.join(format!("flipped-{at}.cwasm"));
        std::fs::write(&file, &damaged).unwrap();
        assert_refused(&run(&file), &file, "it is damaged");
    }
    let unsealed = dir.join("unsealed.cwasm");
    std::fs::write(&unsealed, &content).unwrap();
    assert_refused(&run(&unsealed), &unsealed, "it carries no seal");
    let cut = dir.join("cut.cwasm");
    std::fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
    assert_refused(&run(&cut), &cut, "it carries no seal");
}

#[test]
fn a_cache_entry_is_used_only_for_the_code_it_was_compiled_from() {
    let cache = scratch("cache-swap");
    let load = |wasm: &Path| artifact::load(engine().wasmtime(), wasm, Some(&cache)).unwrap();
    let entry = |loaded: artifact::Loaded| match loaded.origin {
        Origin::Compiled {
            cached_to: Some(entry),
            ..
        } => entry,
        other => panic!("{other:?}"),
    };
    let (a, b) = (guest("path-normalize"), guest("security-headers"));
    let (entry_a, entry_b) = (entry(load(&a)), entry(load(&b)));
    let exports = |loaded: &artifact::Loaded| -> Vec<String> {
        loaded
            .module
            .exports()
            .map(|e| e.name().to_string())
            .collect()
    };
    let b_exports = exports(&load(&b));

    // One plugin's entry copied over another's: not used, B is compiled again.
    std::fs::copy(&entry_a, &entry_b).unwrap();
    let reloaded = load(&b);
    assert!(
        matches!(reloaded.origin, Origin::Compiled { .. }),
        "{:?}",
        reloaded.origin
    );
    assert_eq!(exports(&reloaded), b_exports);
    assert!(matches!(load(&b).origin, Origin::Cached { .. }));

    // A bit flipped in an entry: compiled again too.
    let mut damaged = std::fs::read(&entry_a).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x01;
    std::fs::remove_file(&entry_a).unwrap();
    std::fs::write(&entry_a, &damaged).unwrap();
    assert!(matches!(load(&a).origin, Origin::Compiled { .. }));

    // A cache others may write to could hand the proxy any code: it is not used at all.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    match load(&a).origin {
        Origin::Compiled {
            cached_to: None,
            cache_refused: Some(why),
        } => assert!(why.contains("may be written by other users"), "{why}"),
        other => panic!("{other:?}"),
    }
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(load(&a).origin, Origin::Cached { .. }));
}

/// The wasmtime version this host links, as it is written into artifacts.
fn wasmtime_version() -> String {
    let lock = std::fs::read_to_string(repo_root().join("Cargo.lock")).unwrap();
    let at = lock.find("name = \"wasmtime\"\nversion = \"").unwrap()
        + "name = \"wasmtime\"\nversion = \"".len();
    lock[at..].split('"').next().unwrap().to_string()
}

#[test]
fn an_artifact_from_another_engine_configuration_is_refused() {
    let mut config = tswasm::engine::code_config();
    config.epoch_interruption(false);
    let other = wasmtime::Engine::new(&config).unwrap();
    let bytes = artifact::precompile(&other, &guest("security-headers")).unwrap();
    let file = scratch("config").join("other-config.cwasm");
    std::fs::write(&file, bytes).unwrap();
    let err = artifact::load(engine().wasmtime(), &file, None)
        .err()
        .expect("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("other-config.cwasm") && msg.contains("engine configuration"),
        "{msg}"
    );
}

#[test]
fn compiled_code_is_cached_and_a_damaged_cache_entry_is_rebuilt() {
    let cache = scratch("cache-test");
    let wasm = guest("path-normalize");
    let first = artifact::load(engine().wasmtime(), &wasm, Some(&cache)).unwrap();
    let Origin::Compiled {
        cached_to: Some(entry),
        ..
    } = first.origin
    else {
        panic!("{:?}", first.origin)
    };
    let second = artifact::load(engine().wasmtime(), &wasm, Some(&cache)).unwrap();
    assert_eq!(
        second.origin,
        Origin::Cached {
            path: entry.clone()
        }
    );

    // Replace, never rewrite in place: the first two modules still map the old entry.
    std::fs::remove_file(&entry).unwrap();
    std::fs::write(&entry, b"garbage").unwrap();
    let third = artifact::load(engine().wasmtime(), &wasm, Some(&cache)).unwrap();
    assert_eq!(
        third.origin,
        Origin::Compiled {
            cached_to: Some(entry.clone()),
            cache_refused: None,
        }
    );
    assert!(matches!(
        artifact::load(engine().wasmtime(), &wasm, Some(&cache))
            .unwrap()
            .origin,
        Origin::Cached { .. }
    ));
}

#[test]
fn a_lua_script_compiles_into_one_artifact_that_runs_the_same() {
    let case = repo_root().join("compat/conformance/remap-ctx-and-closures");
    let script = case.join("script.lua");
    let cwasm = scratch("lua").join("closures.cwasm");
    let compiled = tswasm(&[
        "compile",
        script.to_str().unwrap(),
        "-o",
        cwasm.to_str().unwrap(),
    ]);
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));

    let run = |plugin: &Path| {
        let out = tswasm(&[
            "run",
            plugin.to_str().unwrap(),
            "--request",
            case.join("request.http").to_str().unwrap(),
            "--remap",
            "http://www.example.com/app/ http://127.0.0.1:8080/backend/",
            "--json",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        (comparable(&out.stdout), text(&out.stderr))
    };
    let (from_script, _) = run(&script);
    // The artifact carries the script: it runs from anywhere, without the .lua next to it.
    let elsewhere = scratch("lua-moved").join("deployed.cwasm");
    std::fs::copy(&cwasm, &elsewhere).unwrap();
    let (from_artifact, trace) = run(&elsewhere);
    assert!(trace.contains("loaded (precompiled)"), "{trace}");
    assert_eq!(from_script, from_artifact);
    let headers = from_artifact["client_response"]["headers"].to_string();
    assert!(headers.contains("moc.elpmaxe.www"), "{headers}");

    let bytes = std::fs::read(&elsewhere).unwrap();
    let cut = scratch("lua-cut").join("cut.cwasm");
    std::fs::write(&cut, &bytes[bytes.len() - 40..]).unwrap();
    let out = tswasm(&[
        "run",
        cut.to_str().unwrap(),
        "--request",
        case.join("request.http").to_str().unwrap(),
    ]);
    assert_refused(&out, &cut, "");
}

#[test]
fn script_errors_at_load_name_the_script_and_line() {
    let dir = scratch("lua-bad");
    let script = dir.join("broken.lua");
    std::fs::write(
        &script,
        "function do_remap()\n  return 0\nend\nlocal x = = 1\n",
    )
    .unwrap();
    let out = tswasm(&[
        "run",
        script.to_str().unwrap(),
        "--request",
        repo_root()
            .join("examples/requests/simple.http")
            .to_str()
            .unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("broken.lua:4:"), "{stderr}");
    let missing = dir.join("missing.lua");
    let request = repo_root().join("examples/requests/simple.http");
    let out = tswasm(&[
        "run",
        missing.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
    ]);
    assert_refused(&out, &missing, "No such file");
}

#[test]
fn plugins_with_the_same_code_share_one_compiled_module() {
    // A fresh engine: the shared one of this binary may hold the same code for other tests.
    let engine = tswasm::Engine::new(tswasm::PoolLimits { max_instances: 16 }).unwrap();
    let dir = scratch("shared-code");
    let bundle = |name: &str| {
        let script = dir.join(format!("{name}.lua"));
        std::fs::write(
            &script,
            format!("function do_global_send_response()\n  ts.client_response.header['X-Which'] = '{name}'\nend\n"),
        )
        .unwrap();
        let cwasm = dir.join(format!("{name}.cwasm"));
        std::fs::write(
            &cwasm,
            artifact::precompile(engine.wasmtime(), &script).unwrap(),
        )
        .unwrap();
        cwasm
    };
    let (a, b) = (bundle("a"), bundle("b"));
    let plugin = |path: &Path| {
        let services = std::sync::Arc::new(tswasm::services::LocalServices::new(
            tswasm::abi_types::LogLevel::Warning,
        ));
        tswasm::Plugin::load(&engine, path, settings(&[]), services).unwrap()
    };
    let first = plugin(&a);
    let second = plugin(&b);
    assert_eq!(first.load_report().origin, Origin::Precompiled);
    assert_eq!(second.load_report().origin, Origin::Shared);
    assert!(wasmtime::Module::same(first.module(), second.module()));
    // One machine code, two scripts: each plugin still runs its own.
    for (plugin, name) in [(&first, "a"), (&second, "b")] {
        let (txn, _) = run(&[plugin], request("GET / HTTP/1.1\nHost: x\n\n"), None);
        assert_eq!(
            header(&txn.client_response.as_ref().unwrap().headers, "X-Which").as_deref(),
            Some(name)
        );
    }
    // Other code is not shared.
    let rust = plugin(&guest("security-headers"));
    assert!(matches!(rust.load_report().origin, Origin::Compiled { .. }));
    // Once no plugin holds the code, the next load makes its own again.
    drop((first, second));
    assert_eq!(plugin(&b).load_report().origin, Origin::Precompiled);
}
