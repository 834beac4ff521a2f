//! Inputs made from seeds by a few random edits each: bits flipped, bytes set, inserted and
//! removed, parts repeated, cut short, and tokens that matter to the parsers put in.

use crate::rng::Rng;

/// Bytes the parsers and loaders give meaning to.
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r\n\r\n",
    b":",
    b": ",
    b" ",
    b"\t",
    b"\0",
    b"\xff",
    b"%",
    b"%2",
    b"%zz",
    b"?",
    b"#",
    b";",
    b"@",
    b"/",
    b"//",
    b"/../",
    b"[",
    b"]",
    b"=",
    b"\"",
    b"-",
    b"--",
    b"0",
    b"-1",
    b"65536",
    b"99999999999999999999",
    b"HTTP/1.1",
    b"HTTP/9.9",
    b"GET",
    b"http://",
    b"Host: ",
    b"Content-Length: ",
    b"Transfer-Encoding: chunked",
    b"[x]",
    b"\"\"\"",
];

/// `seed` with 1 to 8 random edits.
pub fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(7) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
            2 => {
                let n = 1 + rng.below(4);
                let random: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                bytes.splice(at..at, random);
            }
            3 => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            4 if !bytes.is_empty() => {
                let start = rng.below(bytes.len());
                let end = (start + 1 + rng.below(64)).min(bytes.len());
                let part = bytes[start..end].to_vec();
                bytes.splice(at..at, part);
            }
            5 => bytes.truncate(at),
            _ => {
                let token = *rng.pick(TOKENS);
                bytes.splice(at..at, token.iter().copied());
            }
        }
    }
    bytes
}
