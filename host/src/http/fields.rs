//! Header fields: an ordered list whose names compare case-insensitively, and the rules a name,
//! a value, a method or a reason phrase must follow to be sent.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::OnceLock;

/// Header fields in order; names compare case-insensitively and keep their spelling.
///
/// A client chooses how many fields a message has (thousands fit Traffic Server's header limit),
/// so no operation may cost what the whole message costs when it concerns one name: fields are
/// found by name through an index, and a removed field leaves a gap, filled when gaps outnumber
/// fields. Reading field `i` by position is O(1) while there are no gaps.
#[derive(Clone, Debug, Default)]
pub struct Headers {
    /// The fields in order, `None` where one was removed.
    slots: Vec<Option<(Vec<u8>, Vec<u8>)>>,
    /// The slots of the live fields, in order, by [`name_hash`]; names that share a hash share
    /// a list, so every lookup compares the names too.
    by_name: HashMap<u64, Vec<usize>>,
    /// The number of `None` slots.
    gaps: usize,
}

/// Gaps are filled once there are more of them than this and than live fields.
const GAPS_KEPT: usize = 32;

/// A hash of a field name that is the same for every spelling of it (ASCII case folded), for
/// the proxies' indexes of fields by name. Keyed at random per process: a client that could
/// make thousands of names share a hash would put them all in one list of the index.
pub fn name_hash(name: &[u8]) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    let mut hasher = KEYS.get_or_init(RandomState::new).build_hasher();
    let mut folded = [0u8; 64];
    for chunk in name.chunks(folded.len()) {
        let folded = &mut folded[..chunk.len()];
        folded.copy_from_slice(chunk);
        folded.make_ascii_lowercase();
        hasher.write(folded);
    }
    hasher.finish()
}

impl Headers {
    /// The slots of the fields named `name`, in order.
    fn named<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let slots = self
            .by_name
            .get(&name_hash(name))
            .map_or(&[][..], Vec::as_slice);
        slots.iter().copied().filter(move |&slot| {
            self.slots[slot]
                .as_ref()
                .is_some_and(|(n, _)| n.eq_ignore_ascii_case(name))
        })
    }

    /// How many fields are named `name`.
    pub fn count(&self, name: &[u8]) -> usize {
        self.named(name).count()
    }

    /// The `index`-th value of `name`.
    pub fn get<'a>(&'a self, name: &[u8], index: usize) -> Option<&'a [u8]> {
        let slot = self.named(name).nth(index)?;
        self.slots[slot].as_ref().map(|(_, v)| v.as_slice())
    }

    /// Every value of `name`, in order.
    pub fn values<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.named(name)
            .filter_map(|slot| self.slots[slot].as_ref().map(|(_, v)| v.as_slice()))
    }

    /// The value of the last field named `name`, to change in place.
    pub fn last_value_mut(&mut self, name: &[u8]) -> Option<&mut Vec<u8>> {
        let last = self.named(name).last()?;
        self.slots[last].as_mut().map(|(_, v)| v)
    }

    /// Replaces every field named `name` by one, where the first one was (or at the end). The
    /// caller has checked the field ([`valid_field`]).
    pub fn set(&mut self, name: &[u8], value: &[u8]) {
        let (first, more) = {
            let mut named = self.named(name);
            (named.next(), named.next().is_some())
        };
        let Some(first) = first else {
            return self.append(name, value);
        };
        if let Some((_, v)) = &mut self.slots[first] {
            *v = value.to_vec();
        }
        if more {
            self.remove_where(name, |slot| slot != first);
        }
    }

    /// Adds a field at the end; the caller has checked it ([`valid_field`]).
    pub fn append(&mut self, name: &[u8], value: &[u8]) {
        self.push(name.to_vec(), value.to_vec());
    }

    fn push(&mut self, name: Vec<u8>, value: Vec<u8>) {
        let slot = self.slots.len();
        self.by_name.entry(name_hash(&name)).or_default().push(slot);
        self.slots.push(Some((name, value)));
    }

    /// Removes every field named `name`, returning how many there were.
    pub fn remove(&mut self, name: &[u8]) -> usize {
        self.remove_where(name, |_| true)
    }

    /// Removes the fields named `name` whose slot `doomed` picks.
    fn remove_where(&mut self, name: &[u8], doomed: impl Fn(usize) -> bool) -> usize {
        let Some(list) = self.by_name.get_mut(&name_hash(name)) else {
            return 0;
        };
        let mut removed = 0;
        list.retain(|&slot| {
            let hit = doomed(slot)
                && self.slots[slot]
                    .as_ref()
                    .is_some_and(|(n, _)| n.eq_ignore_ascii_case(name));
            if hit {
                self.slots[slot] = None;
                removed += 1;
            }
            !hit
        });
        if list.is_empty() {
            self.by_name.remove(&name_hash(name));
        }
        self.gaps += removed;
        if self.gaps > GAPS_KEPT && self.gaps > self.len() {
            self.fill_gaps();
        }
        removed
    }

    fn fill_gaps(&mut self) {
        let fields: Vec<_> = std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .collect();
        *self = fields.into_iter().collect();
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.slots.len() - self.gaps
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The fields in order, as (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.slots
            .iter()
            .flatten()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
    }

    /// Field `index` (from 0).
    pub fn field(&self, index: usize) -> Option<(&[u8], &[u8])> {
        match self.gaps {
            0 => self
                .slots
                .get(index)?
                .as_ref()
                .map(|(n, v)| (&n[..], &v[..])),
            _ => self.iter().nth(index),
        }
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        *self = Headers::default();
    }

    /// Moves `other`'s fields to the end.
    pub fn extend(&mut self, other: Headers) {
        for (name, value) in other.slots.into_iter().flatten() {
            self.push(name, value);
        }
    }

    /// Appends the fields as they go over the wire: `Name: value` and CRLF each.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for (name, value) in self.iter() {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
    }
}

impl FromIterator<(Vec<u8>, Vec<u8>)> for Headers {
    fn from_iter<I: IntoIterator<Item = (Vec<u8>, Vec<u8>)>>(fields: I) -> Headers {
        let mut headers = Headers::default();
        for (name, value) in fields {
            headers.push(name, value);
        }
        headers
    }
}

/// Two messages have the same fields when they read the same, gaps aside.
impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

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
            h.iter().collect::<Vec<_>>(),
            [(&b"A"[..], &b"x"[..]), (&b"B"[..], &b"2"[..])]
        );
        assert_eq!(h.remove(b"b"), 1);
    }

    #[test]
    fn thousands_of_fields_keep_their_order_through_removals_and_gaps() {
        let mut h: Headers = (0..5000)
            .map(|i| (format!("X-Pad-{i:05}").into_bytes(), b"v".to_vec()))
            .collect();
        h.append(b"x-dup", b"1");
        h.append(b"X-DUP", b"2");
        for i in (0..5000).filter(|i| i % 3 != 0) {
            assert_eq!(h.remove(format!("x-pad-{i:05}").as_bytes()), 1, "{i}");
        }
        let left: Vec<String> = h
            .iter()
            .map(|(n, v)| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(n),
                    String::from_utf8_lossy(v)
                )
            })
            .collect();
        let expected: Vec<String> = (0..5000)
            .filter(|i| i % 3 == 0)
            .map(|i| format!("X-Pad-{i:05}=v"))
            .chain(["x-dup=1".into(), "X-DUP=2".into()])
            .collect();
        assert_eq!(left, expected);
        assert_eq!(h.len(), expected.len());
        assert_eq!(h.values(b"X-Dup").collect::<Vec<_>>(), [b"1", b"2"]);
        assert_eq!(h.field(1), Some((&b"X-Pad-00003"[..], &b"v"[..])));
        h.set(b"X-Pad-00003", b"w");
        assert_eq!(h.get(b"x-pad-00003", 0), Some(&b"w"[..]));
        assert_eq!(h.count(b"X-Pad-00001"), 0);
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
