//! A minimal native `ts` binding over the in-memory transaction: just what benches/workload's
//! scripts use (headers of the client request and response, the URI, the cache lookup status), the
//! way tslua binds them in C. With neither feature this crate is empty (the workspace builds it so).

#[cfg(all(feature = "lua51", feature = "luajit"))]
compile_error!("enable one of lua51, luajit: they cannot link into one binary");

#[cfg(any(feature = "lua51", feature = "luajit"))]
mod binding;
#[cfg(any(feature = "lua51", feature = "luajit"))]
pub use binding::{NativeLua, RUNTIME};
