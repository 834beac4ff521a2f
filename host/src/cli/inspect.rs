//! `tswasm inspect PLUGIN`: what a plugin file is and what it asks for.

use std::path::Path;
use std::sync::Arc;

use tswasm::abi_types::{Hook, LogLevel, ABI_VERSION};
use tswasm::artifact::Origin;
use tswasm::services::LocalServices;
use tswasm::{Engine, Plugin, PoolLimits, Settings};
use wasmtime::ExternType;
use wasmtime::Result;

use super::Args;

pub fn main(args: &[String]) -> Result<()> {
    let args = Args::parse(args, &[])?;
    let path = Path::new(args.single_positional("plugin file")?);
    let mut settings = Settings {
        states: 1,
        ..Settings::default()
    };
    for (name, value) in &args.options {
        settings.set(name, value)?;
    }
    let engine = Engine::new(PoolLimits { max_instances: 2 })?;
    let plugin = Plugin::load(
        &engine,
        path,
        settings,
        Arc::new(LocalServices::new(LogLevel::Warning)),
    )?;
    let load = plugin.load_report();
    let module = plugin.module();

    println!(
        "file:         {} ({} bytes)",
        path.display(),
        load.file_size
    );
    let kind = match &load.origin {
        Origin::Precompiled => "precompiled (.cwasm), loaded without compiling".to_string(),
        Origin::Shared => "code shared with a plugin loaded before".to_string(),
        Origin::Cached { path } => {
            format!("wasm module; compiled code loaded from {}", path.display())
        }
        Origin::Compiled { .. } => "wasm module; compiled at load".to_string(),
    };
    println!("kind:         {kind}");
    println!("abi version:  {ABI_VERSION}");
    let hooks: Vec<&str> = plugin.declared_hooks().iter().map(Hook::name).collect();
    println!(
        "hooks:        {}",
        if hooks.is_empty() {
            "(none)".into()
        } else {
            hooks.join(", ")
        }
    );
    println!(
        "load:         module {:.2} ms, first instance {:.2} ms",
        load.module_time.as_secs_f64() * 1e3,
        load.instances_time.as_secs_f64() * 1e3
    );
    println!("imports:");
    for import in module.imports() {
        println!(
            "  {}::{} ({})",
            import.module(),
            import.name(),
            kind_name(&import.ty())
        );
    }
    println!("exports:");
    for export in module.exports() {
        println!("  {} ({})", export.name(), kind_name(&export.ty()));
    }
    Ok(())
}

fn kind_name(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "function",
        ExternType::Memory(_) => "memory",
        ExternType::Table(_) => "table",
        ExternType::Global(_) => "global",
        ExternType::Tag(_) => "tag",
    }
}
