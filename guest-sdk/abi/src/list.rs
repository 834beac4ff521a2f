//! How a host function returns several byte strings in one buffer: each item as its length (4
//! bytes, little-endian) and then its bytes, one after the other. One call then hands over every
//! value of a header, however many fields the message has.

/// The 4 bytes that go before an item of `len` bytes.
pub fn prefix(len: usize) -> [u8; 4] {
    u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes()
}

/// The items of a list, in order; a list cut short ends at its last whole item.
pub fn items(list: &[u8]) -> Items<'_> {
    Items { rest: list }
}

/// The iterator [`items`] returns.
#[derive(Clone, Debug)]
pub struct Items<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Items<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.rest.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        if len > rest.len() {
            self.rest = &[];
            return None;
        }
        let (item, rest) = rest.split_at(len);
        self.rest = rest;
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_back_as_they_went_in_and_a_cut_list_ends_early() {
        let mut list = [0u8; 32];
        let mut at = 0;
        for item in [&b"one"[..], b"", b"three"] {
            list[at..at + 4].copy_from_slice(&prefix(item.len()));
            list[at + 4..at + 4 + item.len()].copy_from_slice(item);
            at += 4 + item.len();
        }
        let read: [&[u8]; 3] = [b"one", b"", b"three"];
        assert!(items(&list[..at]).eq(read.iter().copied()));
        assert!(items(&list[..at - 1]).eq(read[..2].iter().copied()));
        assert_eq!(items(&[1, 0]).count(), 0);
    }
}
