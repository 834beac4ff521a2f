//! Turning a file into a compiled module: `.wasm` is compiled once (and the result kept in the cache
//! directory, so a restart loads it instead of compiling again), `.cwasm` is loaded without compiling.
//!
//! The file's content decides, not its name: wasm starts with `\0asm`, wasmtime artifacts are ELF files
//! that wasmtime recognises. Anything else, a truncated or damaged artifact (its [`seal`] does not
//! hold), or one built by another engine version or configuration is refused with a message saying
//! what to do.

use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Module, Precompiled};

pub use crate::bundle::Source;
use crate::error::{bail, format_err, Context, Result};
use crate::seal::{self, Broken};
use crate::shared_code::{digest, Digest, SharedCode};

const WASM_MAGIC: &[u8; 4] = b"\0asm";

/// The most a plugin file may hold, by kind: loading reads it whole, and compiling a module
/// takes time and memory in proportion to its size, on the thread that loads it (Traffic
/// Server's, at start-up and reload). The built-in Lua guest is about 1 MiB, its `.cwasm` a few.
const MAX_MODULE_BYTES: u64 = 32 << 20;
const MAX_PRECOMPILED_BYTES: u64 = 128 << 20;
const MAX_SCRIPT_BYTES: u64 = 16 << 20;

/// How a module came to be ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Compiled from `.wasm` now (and written to the cache, if one is configured and writable).
    Compiled {
        /// The cache file written, or `None` without a cache or when writing it failed.
        cached_to: Option<PathBuf>,
        /// Why a configured cache was not used at all (a directory others may write to).
        cache_refused: Option<String>,
    },
    /// Compiled from `.wasm` earlier: loaded from the cache.
    Cached {
        /// The cache file loaded.
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
    /// Compiled now, loaded from the cache, or precompiled.
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
    let meta =
        std::fs::metadata(path).with_context(|| format!("{shown}: cannot read the plugin"))?;
    // A FIFO or a device would hold the loading thread (opening one may wait for a writer).
    if !meta.is_file() {
        bail!("{shown}: not a regular file");
    }
    let file_size = meta.len();
    let kind = kind_of(path)?;
    let most = check_size(path, kind, file_size)?;
    let mut source = None;
    let (module, origin) = match kind {
        Kind::Precompiled => {
            // Read, not mapped: see `deserialize_copy`.
            let bytes = read_whole(path, most)?;
            let (artifact, bundled) =
                split_precompiled(&bytes).with_context(|| format!("{shown}: refused"))?;
            source = bundled;
            share(shared, "cwasm", digest(artifact), || {
                Ok((
                    deserialize_copy(engine, path, artifact)?,
                    Origin::Precompiled,
                ))
            })?
        }
        Kind::Wasm => {
            let bytes = read_whole(path, most)?;
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
    let content = match source {
        Some(source) => crate::bundle::join(compiled, &source),
        None => compiled,
    };
    Ok(seal::seal(content, b""))
}

/// The modules of a file made by [`precompile`], once its seal holds: the module, and the
/// bundled script if any.
pub fn split_precompiled(bytes: &[u8]) -> Result<(&[u8], Option<Source>)> {
    let content = seal::open(bytes, b"").map_err(|broken| match broken {
        Broken::Missing => format_err!(
            "it carries no seal: not made by this version's `tswasm compile`, or cut short. {RECOMPILE}"
        ),
        Broken::Mismatch => format_err!(
            "it is damaged: its content is not what `tswasm compile` wrote. {RECOMPILE}"
        ),
    })?;
    crate::bundle::split(content)
}

const RECOMPILE: &str = "Recompile it with this build's `tswasm compile`";

#[derive(Clone, Copy)]
enum Kind {
    Wasm,
    Precompiled,
    Lua,
}

/// A script is read once at load; its absolute path names it in every error and traceback.
fn read_script(path: &Path) -> Result<Source> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).with_context(|| format!("{shown}: cannot read the script"))?;
    if !meta.is_file() {
        bail!("{shown}: cannot read the script: not a regular file");
    }
    let text = read_whole(path, MAX_SCRIPT_BYTES)?;
    let name = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(Source {
        name: name.to_string_lossy().into_owned(),
        text,
    })
}

/// Refuses a file larger than its kind may be (see [`MAX_MODULE_BYTES`]); returns that bound.
fn check_size(path: &Path, kind: Kind, size: u64) -> Result<u64> {
    let (most, what) = match kind {
        Kind::Wasm => (MAX_MODULE_BYTES, "a module to compile"),
        Kind::Precompiled => (MAX_PRECOMPILED_BYTES, "a precompiled module"),
        Kind::Lua => (MAX_SCRIPT_BYTES, "a script"),
    };
    if size > most {
        bail!(
            "{}: {} MiB, more than the {} MiB {what} may be",
            path.display(),
            size.div_ceil(1 << 20),
            most >> 20
        );
    }
    Ok(most)
}

/// Reads a file whole, refusing it if it holds more than `most` bytes (it may have grown since
/// it was looked at).
fn read_whole(path: &Path, most: u64) -> Result<Vec<u8>> {
    let shown = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("{shown}: cannot read it"))?;
    let mut bytes = Vec::new();
    file.take(most + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{shown}: cannot read it"))?;
    if bytes.len() as u64 > most {
        bail!("{shown}: more than the {} MiB it may be", most >> 20);
    }
    Ok(bytes)
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
    // SAFETY: wasmtime trusts an artifact's machine code; it checks the format, engine version and
    // configuration, but not that the code is what a compiler would have produced. The bytes'
    // seal held (see `seal`), so they are what this engine's compiler wrote for the operator's
    // `tswasm compile` or our cache.
    unsafe { Module::deserialize(engine, artifact) }.with_context(|| refusal(path))
}

/// A cache entry's module, if the entry is a file only this user may write (checked on the file
/// opened, never followed through a link) and its seal holds for `code` (the module it must have
/// been compiled from): a damaged entry, or another module's copied under this name, is not used.
fn deserialize_cached(engine: &wasmtime::Engine, file: &Path, code: &Digest) -> Result<Module> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let mut opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(file)?;
    let meta = opened.metadata()?;
    if !meta.is_file() || !owned_by_us(&meta) || meta.mode() & 0o022 != 0 {
        bail!("{}: not this user's alone", file.display());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    opened.read_to_end(&mut bytes)?;
    let content = seal::open(&bytes, code).map_err(|broken| format_err!("{broken:?} seal"))?;
    deserialize_copy(engine, file, content)
}

fn refusal(path: &Path) -> String {
    format!(
        "{}: cannot load this precompiled module; it was made by another tswasm/wasmtime version or \
         engine configuration. {RECOMPILE}",
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
    let trusted = cache_dir.map(trusted_cache_dir).transpose();
    let (cache_dir, cache_refused) = match trusted {
        Ok(_) => (cache_dir, None),
        Err(why) => (None, Some(why)),
    };
    let cache_file = cache_dir.map(|dir| dir.join(cache_name(engine, &code)));
    if let Some(file) = &cache_file {
        if file.is_file() {
            // A damaged cache entry is not the operator's problem: recompile and overwrite it.
            if let Ok(module) = deserialize_cached(engine, file, &code) {
                return Ok((module, Origin::Cached { path: file.clone() }));
            }
        }
    }
    let module = Module::new(engine, bytes)
        .with_context(|| format!("{}: not a valid WebAssembly module", path.display()))?;
    let cached_to = cache_file.filter(|file| store(&module, file, &code).is_ok());
    let origin = Origin::Compiled {
        cached_to,
        cache_refused,
    };
    Ok((module, origin))
}

/// Whoever can write the cache chooses what the proxy runs: a cache directory is used only if
/// this user (or root) owns it and nobody else may write to it. Made (private) if missing.
fn trusted_cache_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let shown = dir.display();
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    let meta = std::fs::metadata(dir).map_err(|e| format!("{shown}: {e}"))?;
    if !owned_by_us(&meta) {
        return Err(format!("{shown} belongs to another user"));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!("{shown} may be written by other users"));
    }
    Ok(())
}

fn owned_by_us(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid cannot fail and touches no memory.
    let euid = unsafe { libc::geteuid() };
    meta.uid() == euid || meta.uid() == 0
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

/// Writes atomically (temporary file, then rename) so concurrent loaders never read half a file;
/// sealed with the code it was compiled from.
fn store(module: &Module, file: &Path, code: &Digest) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = file.parent().context("cache file has no directory")?;
    std::fs::create_dir_all(dir)?;
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    // This user's alone, whatever the umask: a cache entry others may write is never used.
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    out.write_all(&seal::seal(module.serialize()?, code))?;
    drop(out);
    std::fs::rename(&tmp, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}
