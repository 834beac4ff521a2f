//! A message's fields by name, as the ABI reads and edits them (several fields with one name are
//! several values, in order).
//!
//! Traffic Server finds a field by walking every field of the message for a name it does not
//! know (`TSMimeHdrFieldFind`), and a client chooses how many there are: a script that visits
//! each of thousands of fields by name would walk the message once per field. So the first few
//! names of a hook call are searched for; after that the message is indexed by name once, and
//! the rest of the call uses the index, which the edits made here keep up to date. Nothing
//! else changes a message's fields while a hook runs.

use std::collections::{HashMap, HashSet};
use std::ffi::c_int;

use tswasm::abi_types::Error;
use tswasm::http::name_hash;
use tswasm::txn::AbiResult;

use crate::ffi::*;
use crate::message::Message;

/// Searches a hook call makes before it indexes the message: a few walks cost less than the
/// index, and most scripts ask for a few names.
const SEARCHES_BEFORE_INDEX: u32 = 8;

/// One message's fields by name, for one hook call; it releases every field handle it holds.
pub struct NamedFields {
    msg: Message,
    searches: u32,
    /// The message's fields, in order, by [`name_hash`] (names that share a hash share a list).
    index: Option<HashMap<u64, Vec<TSMLoc>>>,
    /// The fields of the name being worked on, in order; handles of its own unless indexed.
    found: Vec<TSMLoc>,
}

fn len(bytes: &[u8]) -> AbiResult<c_int> {
    c_int::try_from(bytes.len()).map_err(|_| Error::InvalidArgument)
}

/// A refused edit is the guest's bad argument.
fn ok(rc: TSReturnCode) -> AbiResult<()> {
    crate::ts::ok(rc, Error::InvalidArgument)
}

impl NamedFields {
    pub fn new(msg: Message) -> NamedFields {
        NamedFields {
            msg,
            searches: 0,
            index: None,
            found: Vec::new(),
        }
    }

    /// How many fields are named `name`.
    pub fn count(&mut self, name: &[u8]) -> AbiResult<usize> {
        self.find(name)?;
        let n = self.found.len();
        self.done();
        Ok(n)
    }

    /// Appends the value of the `index`-th field named `name`.
    pub fn value(&mut self, name: &[u8], index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        self.find(name)?;
        let field = self.found.get(index).copied();
        if let Some(field) = field {
            // SAFETY: a field just found in this header.
            unsafe { self.msg.field_value_into(field, out) };
        }
        self.done();
        field.map(drop).ok_or(Error::NotFound)
    }

    /// Appends every value of `name`, each as a list item.
    pub fn values(&mut self, name: &[u8], out: &mut Vec<u8>) -> AbiResult<()> {
        self.find(name)?;
        let mut value = Vec::new();
        for &field in &self.found {
            value.clear();
            // SAFETY: a field just found in this header.
            unsafe { self.msg.field_value_into(field, &mut value) };
            tswasm::txn::push_item(out, &value);
        }
        self.done();
        Ok(())
    }

    /// Replaces every field named `name` by one with `value`, where the first was.
    pub fn set(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()> {
        self.find(name)?;
        let Some(&first) = self.found.first() else {
            self.done();
            return self.append(name, value);
        };
        // SAFETY: a field just found in this header.
        let result = unsafe { self.msg.set_field_value(first, value) };
        let result = result.and(self.destroy(name, 1));
        self.done();
        result
    }

    /// Adds a field named `name` after the existing ones.
    pub fn append(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()> {
        let mut field: TSMLoc = std::ptr::null_mut();
        let Message { buf, hdr } = self.msg;
        // SAFETY: valid buffer, header and name; the new field's handle is released below or
        // kept by the index.
        unsafe {
            ok(TSMimeHdrFieldCreateNamed(
                buf,
                hdr,
                name.as_ptr().cast(),
                len(name)?,
                &mut field,
            ))?
        };
        if field.is_null() {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: the field just created for this header.
        let result = unsafe { self.msg.set_field_value(field, value) }
            .and_then(|()| ok(unsafe { TSMimeHdrFieldAppend(buf, hdr, field) }));
        match (&mut self.index, result) {
            (Some(index), Ok(())) => index.entry(name_hash(name)).or_default().push(field),
            // SAFETY: a handle of ours, not used again.
            _ => unsafe { release(buf, hdr, field) },
        }
        result
    }

    /// Removes every field named `name`, returning how many there were.
    pub fn remove(&mut self, name: &[u8]) -> AbiResult<usize> {
        self.find(name)?;
        let n = self.found.len();
        let result = self.destroy(name, 0);
        self.done();
        result.map(|()| n)
    }

    /// Destroys the fields found from the `keep`-th on, taking them out of the index.
    fn destroy(&mut self, name: &[u8], keep: usize) -> AbiResult<()> {
        let Message { buf, hdr } = self.msg;
        let doomed = self.found.split_off(keep.min(self.found.len()));
        let mut result = Ok(());
        for &field in &doomed {
            // SAFETY: a live field of this header.
            result = result.and(ok(unsafe { TSMimeHdrFieldDestroy(buf, hdr, field) }));
        }
        if let Some(index) = &mut self.index {
            if let Some(list) = index.get_mut(&name_hash(name)) {
                let doomed: HashSet<TSMLoc> = doomed.iter().copied().collect();
                list.retain(|field| !doomed.contains(field));
            }
            for field in doomed {
                // SAFETY: the index held this handle; nothing refers to it any more.
                unsafe { release(buf, hdr, field) };
            }
        } else {
            self.found.extend(doomed);
        }
        result
    }

    /// Fills `found` with the fields named `name`, in order.
    fn find(&mut self, name: &[u8]) -> AbiResult<()> {
        self.found.clear();
        let name_len = len(name)?;
        let Message { buf, hdr } = self.msg;
        if self.index.is_none() && self.searches >= SEARCHES_BEFORE_INDEX {
            self.index = Some(self.build_index());
        }
        self.searches += 1;
        match &self.index {
            Some(index) => {
                let listed = index.get(&name_hash(name)).map_or(&[][..], Vec::as_slice);
                let named = listed
                    .iter()
                    // SAFETY: the index holds live fields of this header only.
                    .filter(|&&field| unsafe { self.msg.field_named(field, name) });
                self.found.extend(named);
            }
            None => {
                // SAFETY: valid buffer, header and name; each handle is released by `done`.
                let mut field =
                    unsafe { TSMimeHdrFieldFind(buf, hdr, name.as_ptr().cast(), name_len) };
                while !field.is_null() {
                    self.found.push(field);
                    // SAFETY: a live field of this header.
                    field = unsafe { TSMimeHdrFieldNextDup(buf, hdr, field) };
                }
            }
        }
        Ok(())
    }

    /// Every field of the message by name, in order.
    fn build_index(&self) -> HashMap<u64, Vec<TSMLoc>> {
        let Message { buf, hdr } = self.msg;
        let mut index: HashMap<u64, Vec<TSMLoc>> = HashMap::new();
        // SAFETY: valid buffer and header; every handle goes into the index, which releases it.
        let mut field = unsafe { TSMimeHdrFieldGet(buf, hdr, 0) };
        while !field.is_null() {
            // SAFETY: a live field of this header.
            let hash = name_hash(unsafe { self.msg.field_name(field) });
            index.entry(hash).or_default().push(field);
            // SAFETY: a live field of this header.
            field = unsafe { TSMimeHdrFieldNext(buf, hdr, field) };
        }
        index
    }

    /// Ends an operation: the handles found without the index are released.
    fn done(&mut self) {
        let Message { buf, hdr } = self.msg;
        if self.index.is_none() {
            for &field in &self.found {
                // SAFETY: handles of ours, not used again.
                unsafe { release(buf, hdr, field) };
            }
        }
        self.found.clear();
    }
}

impl Drop for NamedFields {
    fn drop(&mut self) {
        self.done();
        let Message { buf, hdr } = self.msg;
        for field in self
            .index
            .take()
            .into_iter()
            .flat_map(HashMap::into_values)
            .flatten()
        {
            // SAFETY: the index's own handles.
            unsafe { release(buf, hdr, field) };
        }
    }
}

/// Releases a field handle.
///
/// # Safety
/// `field` must be a handle the API gave out for this buffer and header, not released yet.
unsafe fn release(buf: TSMBuffer, hdr: TSMLoc, field: TSMLoc) {
    // SAFETY: as the caller promises.
    unsafe { TSHandleMLocRelease(buf, hdr, field) };
}
