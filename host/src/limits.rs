//! The per-instance memory cap, remembering when it was hit so a trap can be reported as "memory cap"
//! rather than as whatever the guest did when its allocation failed (usually an abort).

use wasmtime::ResourceLimiter;

use crate::error::Result;

/// Tables hold function references; no real guest needs more, and each element costs host memory.
const MAX_TABLE_ELEMENTS: usize = 1 << 16;

/// A [`ResourceLimiter`] that refuses to grow linear memory past `limit` bytes.
#[derive(Debug)]
pub struct MemoryCap {
    limit: usize,
    refused: Option<usize>,
}

impl MemoryCap {
    /// A cap of `limit` bytes of linear memory.
    pub fn new(limit: usize) -> MemoryCap {
        MemoryCap {
            limit,
            refused: None,
        }
    }

    /// The cap, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The size of the last refused growth request, once; cleared so the next hook starts clean.
    pub fn take_refusal(&mut self) -> Option<usize> {
        self.refused.take()
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        let allowed = desired <= self.limit && maximum.is_none_or(|max| desired <= max);
        if !allowed {
            self.refused = Some(desired);
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_growth_past_the_cap_and_remembers_it_once() {
        let mut cap = MemoryCap::new(1 << 20);
        assert!(cap.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!cap.memory_growing(1 << 20, 2 << 20, None).unwrap());
        assert_eq!(cap.take_refusal(), Some(2 << 20));
        assert_eq!(cap.take_refusal(), None);
    }
}
