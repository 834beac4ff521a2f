//! Generates the FFI declarations from the installed Traffic Server headers (`trafficserver-dev`),
//! so every `TS*` signature the plugin uses is the header's own.

use std::path::PathBuf;

fn main() {
    let header = "/usr/include/ts/ts.h";
    println!("cargo:rerun-if-changed={header}");
    println!("cargo:rerun-if-changed=/usr/include/ts/apidefs.h");
    println!("cargo:rerun-if-changed=/usr/include/ts/remap.h");
    if !std::path::Path::new(header).exists() {
        panic!("{header} is missing: install Debian's trafficserver-dev (scripts/setup-toolchain does)");
    }
    let bindings = bindgen::Builder::default()
        .header_contents(
            "tswasm_ts.h",
            "#include <ts/ts.h>\n#include <ts/remap.h>\n#include <ts/experimental.h>\n",
        )
        .allowlist_function("TS.*")
        // TSmalloc, TSfree, TSstrdup are macros over these.
        .allowlist_function("_TS(malloc|free|strdup)")
        .allowlist_type("TS.*")
        .allowlist_var("TS_.*")
        // Plain integers for the C enums, compared against the generated constants.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .layout_tests(false)
        .generate()
        .expect("generating bindings for ts/ts.h");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("ts.rs");
    bindings.write_to_file(out).expect("writing ts.rs");
}
