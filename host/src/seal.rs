//! The integrity seal every artifact tswasm writes carries (a `.cwasm` from `tswasm compile`, a
//! compile-cache entry): a SHA-256 over its content, and over what it was made from where that is
//! known (a cache entry's source code), checked before any byte of it is handed to wasmtime.
//!
//! wasmtime checks an artifact's format, version and engine configuration, not its machine code: a
//! bit flipped in the code, or one plugin's entry copied over another's, would run (and could crash
//! the whole proxy with SIGSEGV or SIGILL). The seal catches damage and mix-ups. It is not a
//! signature: whoever can write a plugin's files can already change what the proxy runs.
//!
//! Layout: `[content][SHA-256 of content ‖ made-from: 32 bytes][MAGIC]`.

use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"TSWSEAL1";
const DIGEST_LEN: usize = 32;
const TRAILER: usize = DIGEST_LEN + MAGIC.len();

/// Why a file's seal does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broken {
    /// The file carries no seal: not written by this version of tswasm, or cut short.
    Missing,
    /// The content is not what was sealed, or was made from something else.
    Mismatch,
}

/// `content` with its seal; `made_from` is what it must have been made from (empty for nothing).
pub fn seal(mut content: Vec<u8>, made_from: &[u8]) -> Vec<u8> {
    let digest = digest(&content, made_from);
    content.extend_from_slice(&digest);
    content.extend_from_slice(MAGIC);
    content
}

/// The content of a sealed file, if its seal holds for `made_from`.
pub fn open<'a>(bytes: &'a [u8], made_from: &[u8]) -> Result<&'a [u8], Broken> {
    if bytes.len() < TRAILER || !bytes.ends_with(MAGIC) {
        return Err(Broken::Missing);
    }
    let (content, trailer) = bytes.split_at(bytes.len() - TRAILER);
    match digest(content, made_from)[..] == trailer[..DIGEST_LEN] {
        true => Ok(content),
        false => Err(Broken::Mismatch),
    }
}

fn digest(content: &[u8], made_from: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(content);
    hasher.update(made_from);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_holds_only_for_its_content_and_origin() {
        let sealed = seal(b"machine code".to_vec(), b"source A");
        assert_eq!(open(&sealed, b"source A"), Ok(&b"machine code"[..]));
        assert_eq!(open(&sealed, b"source B"), Err(Broken::Mismatch));
        for at in [0, 5, sealed.len() - TRAILER, sealed.len() - MAGIC.len() - 1] {
            let mut damaged = sealed.clone();
            damaged[at] ^= 0x40;
            assert_eq!(
                open(&damaged, b"source A"),
                Err(Broken::Mismatch),
                "byte {at}"
            );
        }
        assert_eq!(
            open(&sealed[..sealed.len() - 1], b"source A"),
            Err(Broken::Missing)
        );
        assert_eq!(open(b"machine code", b""), Err(Broken::Missing));
    }
}
