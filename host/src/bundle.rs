//! One deployable file for an interpreter plugin: a precompiled guest (`.cwasm`) with the plugin's
//! source appended, so `tswasm compile script.lua -o script.cwasm` gives the operator a single artifact.
//!
//! Layout: `[wasmtime artifact][source text][source name][name length: u32 LE][text length: u64 LE]
//! [MAGIC]`. Plain `.cwasm` files end without the magic and load unchanged.

use crate::error::{format_err, Result};

const MAGIC: &[u8; 8] = b"TSWSRC01";
const FOOTER: usize = 4 + 8 + MAGIC.len();

/// A plugin's source, for plugins that are an interpreter guest plus a script (`.lua`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Where the script came from (its absolute path), for messages.
    pub name: String,
    /// The script itself.
    pub text: Vec<u8>,
}

/// Appends `source` to a precompiled module.
pub fn join(mut artifact: Vec<u8>, source: &Source) -> Vec<u8> {
    artifact.extend_from_slice(&source.text);
    artifact.extend_from_slice(source.name.as_bytes());
    artifact.extend_from_slice(&(source.name.len() as u32).to_le_bytes());
    artifact.extend_from_slice(&(source.text.len() as u64).to_le_bytes());
    artifact.extend_from_slice(MAGIC);
    artifact
}

/// Splits a file into the precompiled module and its source, if it carries one. A footer whose
/// lengths do not fit the file is an error (a truncated bundle), not a plain artifact.
pub fn split(bytes: &[u8]) -> Result<(&[u8], Option<Source>)> {
    if bytes.len() < FOOTER || !bytes.ends_with(MAGIC) {
        return Ok((bytes, None));
    }
    let footer = &bytes[bytes.len() - FOOTER..];
    let name_len = u32::from_le_bytes(footer[..4].try_into().expect("4 bytes")) as usize;
    let text_len = u64::from_le_bytes(footer[4..12].try_into().expect("8 bytes"));
    let body = bytes.len() - FOOTER;
    let text_len =
        usize::try_from(text_len).map_err(|_| format_err!("source length out of range"))?;
    let module_len = body
        .checked_sub(name_len)
        .and_then(|n| n.checked_sub(text_len))
        .ok_or_else(|| format_err!("the embedded source is cut off (truncated file?)"))?;
    let name = std::str::from_utf8(&bytes[module_len + text_len..body])
        .map_err(|_| format_err!("the embedded source name is not UTF-8"))?;
    let source = Source {
        name: name.to_owned(),
        text: bytes[module_len..module_len + text_len].to_vec(),
    };
    Ok((&bytes[..module_len], Some(source)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_leaves_plain_artifacts_alone() {
        let source = Source {
            name: "/etc/trafficserver/x.lua".into(),
            text: b"function do_remap() return 0 end".to_vec(),
        };
        let bundle = join(b"\x7fELF...module".to_vec(), &source);
        let (module, found) = split(&bundle).unwrap();
        assert_eq!(module, b"\x7fELF...module");
        assert_eq!(found, Some(source));
        assert_eq!(
            split(b"\x7fELF plain").unwrap(),
            (&b"\x7fELF plain"[..], None)
        );
        assert!(
            split(&bundle[bundle.len() - FOOTER - 3..]).is_err(),
            "cut-off bundle"
        );
    }
}
