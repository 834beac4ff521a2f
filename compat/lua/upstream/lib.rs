//! Empty: this package only pins lua-src (see Cargo.toml).
