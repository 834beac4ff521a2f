//! `tswasm`: compile, dry-run and inspect proxy plugins without a proxy.

mod cli;

use std::process::ExitCode;

const USAGE: &str = "\
usage:
  tswasm compile IN.wasm -o OUT.cwasm
      Compile ahead of time with the runtime's exact engine configuration.
  tswasm run PLUGIN --request REQ.http [--response RESP.http] [--remap 'FROM_URL TO_URL']
             [--arg A]... [--repeat N [--warmup W]] [--json] [--client IP:PORT] [--log-level L]
             [--states N] [--deadline-ms MS] [--memory-limit-mb MB] [--txn-memory-limit-mb MB]
             [--fail open|closed]
             [--grant DIR|none]... [--cache-dir DIR|off] [--config FILE.toml]
      Dry-run one transaction through the plugin: prints the request the origin would receive and
      the response the client would get (raw HTTP, or JSON), with a per-hook trace on stderr.
  tswasm inspect PLUGIN
      ABI version, hooks, imports and exports, whether precompiled, size and load times.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("compile") => cli::compile::main(&args[1..]),
        Some("run") => cli::run::main(&args[1..]),
        Some("inspect") => cli::inspect::main(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tswasm: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
