//! Turning a file into a compiled module: `.wasm` is compiled once (and the result kept in the cache
//! directory, so a restart maps it instead of compiling again), `.cwasm` is loaded without compiling.
//!
//! The file's content decides, not its name: wasm starts with `\0asm`, wasmtime artifacts are ELF files
//! that wasmtime recognises. Anything else, a truncated artifact, or one built by another engine version
//! or configuration is refused with a message saying what to do.

use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Module, Precompiled};

pub use crate::bundle::Source;
use crate::error::{bail, Context, Result};
use crate::shared_code::{digest, Digest, SharedCode};

const WASM_MAGIC: &[u8; 4] = b"\0asm";

/// How a module came to be ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Compiled from `.wasm` now (and written to the cache, if one is configured and writable).
    Compiled {
        /// The cache file written, or `None` without a cache or when writing it failed.
        cached_to: Option<PathBuf>,
    },
    /// Compiled from `.wasm` earlier: mapped from the cache.
    Cached {
        /// The cache file mapped.
        path: PathBuf,
    },
    /// A `.cwasm` made by `tswasm compile`, loaded without compiling.
    Precompiled,
    /// Another plugin of the same engine had loaded the same code: its compiled module is used,
    /// nothing is compiled, mapped or copied (see [`crate::shared_code`]).
    Shared,
}

/// A module ready to link, with how it got ready.
pub struct Loaded {
    /// The compiled module, possibly shared with other plugins; it stays shared while held.
    pub module: Arc<Module>,
    /// Compiled now, mapped from the cache, or precompiled.
    pub origin: Origin,
    /// Wall-clock time spent reading and compiling or mapping.
    pub took: Duration,
    /// The plugin file's size in bytes.
    pub file_size: u64,
    /// The script, when the plugin is an interpreter guest running one.
    pub source: Option<Source>,
}

/// Loads a module from `path`, compiling through the cache in `cache_dir` when given.
pub fn load(engine: &wasmtime::Engine, path: &Path, cache_dir: Option<&Path>) -> Result<Loaded> {
    load_with(engine, path, cache_dir, None)
}

/// As [`load`], taking the compiled code of another plugin of `engine` when it is the same.
pub fn load_shared(
    engine: &crate::Engine,
    path: &Path,
    cache_dir: Option<&Path>,
) -> Result<Loaded> {
    load_with(
        engine.wasmtime(),
        path,
        cache_dir,
        Some(engine.shared_code()),
    )
}

fn load_with(
    engine: &wasmtime::Engine,
    path: &Path,
    cache_dir: Option<&Path>,
    shared: Option<&SharedCode>,
) -> Result<Loaded> {
    let started = Instant::now();
    let shown = path.display();
    let file_size = std::fs::metadata(path)
        .with_context(|| format!("{shown}: cannot read the plugin"))?
        .len();
    let mut source = None;
    let (module, origin) = match kind_of(path)? {
        Kind::Precompiled => {
            // Read, not mapped: see `deserialize_copy`.
            let bytes =
                std::fs::read(path).with_context(|| format!("{shown}: cannot read the plugin"))?;
            let (artifact, bundled) = split_precompiled(&bytes).with_context(|| refusal(path))?;
            source = bundled;
            share(shared, "cwasm", digest(artifact), || {
                Ok((
                    deserialize_copy(engine, path, artifact)?,
                    Origin::Precompiled,
                ))
            })?
        }
        Kind::Wasm => {
            let bytes =
                std::fs::read(path).with_context(|| format!("{shown}: cannot read the plugin"))?;
            // One digest for both the sharing and the compile cache.
            let code = digest(&bytes);
            share(shared, "wasm", code, || {
                compile_cached(engine, path, &bytes, code, cache_dir)
            })?
        }
        Kind::Lua => {
            source = Some(read_script(path)?);
            // Every script shares the one compiled Lua guest (and its cache entry).
            let guest = crate::lua_guest::wasm()?;
            let code = digest(guest);
            share(shared, "wasm", code, || {
                compile_cached(
                    engine,
                    Path::new("<the built-in Lua guest>"),
                    guest,
                    code,
                    cache_dir,
                )
            })?
        }
    };
    Ok(Loaded {
        module,
        origin,
        took: started.elapsed(),
        file_size,
        source,
    })
}

/// Makes the module with `make`, or takes the same code's module from `shared`.
fn share(
    shared: Option<&SharedCode>,
    what: &'static str,
    code: Digest,
    make: impl FnOnce() -> Result<(Module, Origin)>,
) -> Result<(Arc<Module>, Origin)> {
    match shared {
        None => make().map(|(module, origin)| (Arc::new(module), origin)),
        Some(shared) => {
            let (module, made) = shared.get_or_make(what, code, make)?;
            Ok((module, made.unwrap_or(Origin::Shared)))
        }
    }
}

/// Compiles a `.wasm` file to the bytes of a `.cwasm` for `engine`; for a `.lua` script, the Lua
/// guest precompiled with the script bundled in (one deployable file).
pub fn precompile(engine: &wasmtime::Engine, path: &Path) -> Result<Vec<u8>> {
    let shown = path.display();
    let (bytes, source) = match kind_of(path)? {
        Kind::Wasm => (
            std::fs::read(path).with_context(|| format!("{shown}: cannot read the plugin"))?,
            None,
        ),
        Kind::Lua => (crate::lua_guest::wasm()?.to_vec(), Some(read_script(path)?)),
        Kind::Precompiled => bail!("{shown}: already precompiled; give the .wasm it was made from"),
    };
    let compiled = engine
        .precompile_module(&bytes)
        .with_context(|| format!("{shown}: not a valid WebAssembly module"))?;
    Ok(match source {
        Some(source) => crate::bundle::join(compiled, &source),
        None => compiled,
    })
}

/// The modules of a file made by [`precompile`]: the module, and the bundled script if any.
pub fn split_precompiled(bytes: &[u8]) -> Result<(&[u8], Option<Source>)> {
    crate::bundle::split(bytes)
}

enum Kind {
    Wasm,
    Precompiled,
    Lua,
}

/// A script is read once at load; its absolute path names it in every error and traceback.
fn read_script(path: &Path) -> Result<Source> {
    let shown = path.display();
    let text = std::fs::read(path).with_context(|| format!("{shown}: cannot read the script"))?;
    let name = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(Source {
        name: name.to_string_lossy().into_owned(),
        text,
    })
}

fn kind_of(path: &Path) -> Result<Kind> {
    let shown = path.display();
    // Lua source has no magic number: the extension decides, as it does for tslua.
    if path.extension().is_some_and(|ext| ext == "lua") {
        return Ok(Kind::Lua);
    }
    let mut magic = [0u8; 4];
    let mut file =
        std::fs::File::open(path).with_context(|| format!("{shown}: cannot open the plugin"))?;
    let n = file
        .read(&mut magic)
        .with_context(|| format!("{shown}: cannot read the plugin"))?;
    if n == 4 && &magic == WASM_MAGIC {
        return Ok(Kind::Wasm);
    }
    match wasmtime::Engine::detect_precompiled_file(path) {
        Ok(Some(Precompiled::Module)) => Ok(Kind::Precompiled),
        Ok(Some(Precompiled::Component)) => {
            bail!("{shown}: a precompiled component; tswasm plugins are core wasm modules")
        }
        _ if magic == *b"\x7fELF" => bail!(
            "{shown}: an ELF file that is not a wasmtime artifact (truncated or corrupt?); \
             rebuild it with `tswasm compile`"
        ),
        _ => bail!(
            "{shown}: not a WebAssembly module (no `\\0asm` header) nor a `.cwasm` from `tswasm compile`"
        ),
    }
}

/// Loads an operator's `.cwasm` from bytes read, not mapped: deployments replace files in place
/// (`cp new.cwasm plugin.cwasm` truncates and rewrites the same inode), and a mapped file that shrinks
/// under a running proxy kills it with SIGBUS. Reading costs a copy of the code at load, nothing more.
fn deserialize_copy(engine: &wasmtime::Engine, path: &Path, artifact: &[u8]) -> Result<Module> {
    // SAFETY: as in `deserialize_mapped`.
    unsafe { Module::deserialize(engine, artifact) }.with_context(|| refusal(path))
}

/// Maps a cache entry. Safe from the SIGBUS above because the cache is only ever written by renaming
/// a complete new file over the old name, which leaves mapped inodes untouched.
fn deserialize_mapped(engine: &wasmtime::Engine, path: &Path) -> Result<Module> {
    // SAFETY: wasmtime trusts a `.cwasm`'s machine code; it checks the format, engine version and
    // configuration, but not that the code is what a compiler would have produced. Artifacts are as
    // trusted as the proxy's own binaries: they come from the operator's `tswasm compile` or our cache.
    unsafe { Module::deserialize_file(engine, path) }.with_context(|| refusal(path))
}

fn refusal(path: &Path) -> String {
    format!(
        "{}: cannot load this precompiled module; it was made by another tswasm/wasmtime version or \
         engine configuration, or is truncated. Recompile it with this build's `tswasm compile`",
        path.display()
    )
}

fn compile_cached(
    engine: &wasmtime::Engine,
    path: &Path,
    bytes: &[u8],
    code: Digest,
    cache_dir: Option<&Path>,
) -> Result<(Module, Origin)> {
    let cache_file = cache_dir.map(|dir| dir.join(cache_name(engine, &code)));
    if let Some(file) = &cache_file {
        if file.is_file() {
            // A damaged cache entry is not the operator's problem: recompile and overwrite it.
            if let Ok(module) = deserialize_mapped(engine, file) {
                return Ok((module, Origin::Cached { path: file.clone() }));
            }
        }
    }
    let module = Module::new(engine, bytes)
        .with_context(|| format!("{}: not a valid WebAssembly module", path.display()))?;
    let cached_to = cache_file.filter(|file| store(&module, file).is_ok());
    Ok((module, Origin::Compiled { cached_to }))
}

/// The cache key: the module's content and everything about the engine that affects the code.
fn cache_name(engine: &wasmtime::Engine, code: &Digest) -> String {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let hex: String = code.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{hex}-{:016x}.cwasm", engine_hash.finish())
}

/// Writes atomically (temporary file, then rename) so concurrent loaders never map half a file.
fn store(module: &Module, file: &Path) -> Result<()> {
    let dir = file.parent().context("cache file has no directory")?;
    std::fs::create_dir_all(dir)?;
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, module.serialize()?)?;
    std::fs::rename(&tmp, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}
