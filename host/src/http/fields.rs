//! Header fields: an ordered list whose names compare case-insensitively, and the rules a name,
//! a value, a method or a reason phrase must follow to be sent.

/// Header fields in order; names compare case-insensitively and keep their spelling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(Vec<u8>, Vec<u8>)>);

impl Headers {
    fn named<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a (Vec<u8>, Vec<u8>)> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// How many fields are named `name`.
    pub fn count(&self, name: &[u8]) -> usize {
        self.named(name).count()
    }

    /// The `index`-th value of `name`.
    pub fn get<'a>(&'a self, name: &[u8], index: usize) -> Option<&'a [u8]> {
        self.0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .nth(index)
            .map(|(_, v)| v.as_slice())
    }

    /// Replaces every field named `name` by one, where the first one was (or at the end). The
    /// caller has checked the field ([`valid_field`]).
    pub fn set(&mut self, name: &[u8], value: &[u8]) {
        match self
            .0
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(first) => {
                self.0[first].1 = value.to_vec();
                let mut index = 0;
                self.0.retain(|(n, _)| {
                    index += 1;
                    index - 1 == first || !n.eq_ignore_ascii_case(name)
                });
            }
            None => self.0.push((name.to_vec(), value.to_vec())),
        }
    }

    /// Adds a field at the end; the caller has checked it ([`valid_field`]).
    pub fn append(&mut self, name: &[u8], value: &[u8]) {
        self.0.push((name.to_vec(), value.to_vec()));
    }

    /// Removes every field named `name`, returning how many there were.
    pub fn remove(&mut self, name: &[u8]) -> usize {
        let before = self.0.len();
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        before - self.0.len()
    }

    /// Appends the fields as they go over the wire: `Name: value` and CRLF each.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.0 {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Names are RFC 9110 tokens; values may not break the message (no CR, LF or NUL).
pub fn valid_field(name: &[u8], value: &[u8]) -> bool {
    is_token(name) && !value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// A non-empty RFC 9110 token.
pub fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|b| TOKEN[usize::from(*b)])
}

/// A request method as a proxy takes it from a plugin or a request: ASCII letters and `-`.
pub fn is_method(method: &[u8]) -> bool {
    !method.is_empty() && method.iter().all(|b| b.is_ascii_alphabetic() || *b == b'-')
}

/// A reason phrase that cannot break the status line: text without control characters.
pub fn is_reason(reason: &[u8]) -> bool {
    std::str::from_utf8(reason).is_ok() && !reason.iter().any(u8::is_ascii_control)
}

/// Which bytes may appear in a token (RFC 9110 `tchar`), by byte value: every header a guest sets
/// is checked, on every request.
const TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-'
            )
            || matches!(c, b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_tokens_and_values_cannot_break_the_message() {
        for name in ["X-Bench", "a!#$%&'*+-.^_`|~9"] {
            assert!(valid_field(name.as_bytes(), b"v"), "{name}");
        }
        for name in [
            "",
            "Bad Name",
            "X:Y",
            "X\"",
            "(x)",
            "x@y",
            "caf\u{e9}",
            "X\r",
        ] {
            assert!(!valid_field(name.as_bytes(), b"v"), "{name:?}");
        }
        for value in [&b"a\rb"[..], b"a\nb", b"a\0b"] {
            assert!(!valid_field(b"X", value));
        }
        assert!(valid_field(b"X", b"any \t text, even \xff"));
    }

    #[test]
    fn set_replaces_all_values_in_place() {
        let mut h = Headers::default();
        h.append(b"A", b"1");
        h.append(b"B", b"2");
        h.append(b"a", b"3");
        h.set(b"A", b"x");
        assert_eq!(
            h.0,
            vec![
                (b"A".to_vec(), b"x".to_vec()),
                (b"B".to_vec(), b"2".to_vec())
            ]
        );
        assert_eq!(h.remove(b"b"), 1);
    }

    #[test]
    fn methods_and_reasons() {
        for method in ["GET", "get", "M-SEARCH"] {
            assert!(is_method(method.as_bytes()), "{method}");
        }
        for method in ["", "GET1", "G T", "GÉT"] {
            assert!(!is_method(method.as_bytes()), "{method:?}");
        }
        assert!(is_reason(b"Not Found") && is_reason(b""));
        assert!(!is_reason(b"OK\r\nX: 1") && !is_reason(b"\xff"));
    }
}
