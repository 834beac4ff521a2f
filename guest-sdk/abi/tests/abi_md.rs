//! ABI.md documents every import of the one list in `for_each_import!`, with the list's argument
//! names and result type, and no import the list does not have.

use std::collections::BTreeMap;

/// An import as the list declares it: name, raw parameter names, whether it returns an `i64`.
type Signature = (&'static str, Vec<String>, bool);

macro_rules! signatures {
    (module = $module:literal; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ident),* $(,)?) -> $ret:ident $(<$value:ident>)?; )*) => {
        fn declared() -> Vec<Signature> {
            vec![$( (
                stringify!($name),
                raw_names(&[$((stringify!($arg), stringify!($ty))),*], stringify!($ret)),
                stringify!($ret) == "i64",
            ) ),*]
        }
    };
}

tswasm_abi::for_each_import!(signatures);

/// The raw parameters a typed list stands for (see `for_each_import!`).
fn raw_names(args: &[(&str, &str)], result: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (name, ty) in args {
        match *ty {
            "Bytes" => names.extend([format!("{name}_ptr"), format!("{name}_len")]),
            _ => names.push(name.to_string()),
        }
    }
    match result {
        "Bytes" => names.extend(["buf_ptr".to_string(), "buf_cap".to_string()]),
        "Value" => names.push("out_ptr".to_string()),
        _ => {}
    }
    names
}

/// Every `name(args)` (optionally `-> i64`) in backticks in ABI.md's imports section.
fn documented() -> BTreeMap<String, (Vec<String>, bool)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ABI.md");
    let text = std::fs::read_to_string(path).expect("ABI.md at the repository root");
    let start = text.find("\n## Imports").expect("an imports section");
    let end = text[start + 1..]
        .find("\n## ")
        .map_or(text.len(), |e| start + 1 + e);
    let mut found = BTreeMap::new();
    for span in text[start..end].split('`').skip(1).step_by(2) {
        let Some((name, rest)) = span.split_once('(') else {
            continue;
        };
        let Some((args, after)) = rest.split_once(')') else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            continue;
        }
        let args = args
            .split(',')
            .map(|a| a.split(':').next().unwrap_or("").trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        found.insert(name.to_string(), (args, after.trim() == "-> i64"));
    }
    found
}

#[test]
fn abi_md_documents_every_import_as_the_list_declares_it() {
    let documented = documented();
    let declared = declared();
    for (name, args, returns_i64) in &declared {
        let (doc_args, doc_i64) = documented
            .get(*name)
            .unwrap_or_else(|| panic!("ABI.md does not document `{name}`"));
        assert_eq!(doc_args, args, "the arguments of `{name}` in ABI.md");
        assert_eq!(
            doc_i64, returns_i64,
            "the result type of `{name}` in ABI.md"
        );
    }
    let unknown: Vec<&String> = documented
        .keys()
        .filter(|name| !declared.iter().any(|(d, _, _)| d == name))
        .collect();
    assert!(
        unknown.is_empty(),
        "ABI.md documents imports the list does not have: {unknown:?}"
    );
    assert!(declared.len() > 50, "{} imports", declared.len());
}
