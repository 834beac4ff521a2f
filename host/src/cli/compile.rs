//! `tswasm compile IN.wasm -o OUT.cwasm`: ahead-of-time compilation with the runtime's engine
//! configuration, refusing modules that could not load as plugins.

use std::path::Path;
use std::time::Instant;

use tswasm::artifact;
use tswasm::engine::compile_only_engine;
use wasmtime::error::Context;
use wasmtime::{bail, Result};

use super::Args;

pub fn main(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &[])?;
    let input = Path::new(args.single_positional("input .wasm file")?);
    let Some(output) = args.value("o").or(args.value("output")) else {
        bail!("missing -o OUT.cwasm");
    };
    let output = Path::new(output);
    if output.is_dir() {
        bail!(
            "{}: a directory; give the file to write, e.g. -o {}",
            output.display(),
            output
                .join(
                    input
                        .with_extension("cwasm")
                        .file_name()
                        .unwrap_or_default()
                )
                .display()
        );
    }
    let engine = compile_only_engine()?;
    let started = Instant::now();
    let bytes = artifact::precompile(&engine, input)?;
    // SAFETY: the bytes were produced just now by this engine.
    let (compiled, _) = artifact::split_precompiled(&bytes)?;
    let module = unsafe { wasmtime::Module::deserialize(&engine, compiled) }?;
    tswasm::plugin::check_shape(&module)
        .with_context(|| format!("{}: not a tswasm plugin", input.display()))?;
    let tmp = output.with_extension("cwasm.tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, output)
        .inspect_err(|_| drop(std::fs::remove_file(&tmp)))
        .with_context(|| format!("{}: cannot write", output.display()))?;
    eprintln!(
        "tswasm: compiled {} -> {} ({} bytes) in {} ms",
        input.display(),
        output.display(),
        bytes.len(),
        started.elapsed().as_millis()
    );
    Ok(())
}
