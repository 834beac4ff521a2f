//! One HTTP message in a Traffic Server marshal buffer: its MIME fields, request line, URL and status
//! line, with the ABI's semantics (fields named case-insensitively, several fields with one name are
//! several values, URL parts as [`tswasm::http::Url`] defines them). Inputs come checked by the
//! ABI layer.

use std::ffi::{c_char, c_int};

use tswasm::abi_types::Error;
use tswasm::http::{Url, UrlEdit, Version};
use tswasm::txn::{push_item, AbiResult};

use crate::ffi::*;
use crate::ts::{bytes, take_string, Loc};

/// A message header (`TSMBuffer` + `TSMLoc`), borrowed: whoever got it from Traffic Server
/// releases it (see [`crate::txn::AtsTxn`], which keeps one per message for a whole hook call).
#[derive(Clone, Copy)]
pub struct Message {
    pub buf: TSMBuffer,
    pub hdr: TSMLoc,
}

/// A refused edit of a message is the guest's bad argument.
fn ok(rc: TSReturnCode) -> AbiResult<()> {
    crate::ts::ok(rc, Error::InvalidArgument)
}

fn len(value: &[u8]) -> AbiResult<c_int> {
    c_int::try_from(value.len()).map_err(|_| Error::InvalidArgument)
}

impl Message {
    fn buf(&self) -> TSMBuffer {
        self.buf
    }

    fn hdr(&self) -> TSMLoc {
        self.hdr
    }

    fn field_loc(&self, loc: TSMLoc) -> Option<Loc> {
        (!loc.is_null()).then(|| Loc {
            buf: self.buf(),
            parent: self.hdr(),
            loc,
        })
    }

    /// A field's name as Traffic Server reports it (its spelling of the names it knows).
    ///
    /// # Safety
    /// `field` must be a live field of this header.
    pub unsafe fn field_name(&self, field: TSMLoc) -> &[u8] {
        let mut n: c_int = 0;
        // SAFETY: a live field of this header; the name lives in the buffer.
        unsafe {
            bytes(
                TSMimeHdrFieldNameGet(self.buf(), self.hdr(), field, &mut n),
                n,
            )
        }
    }

    /// Whether a field is named `name` (case-insensitively).
    ///
    /// # Safety
    /// As for [`Message::field_name`].
    pub unsafe fn field_named(&self, field: TSMLoc, name: &[u8]) -> bool {
        // SAFETY: as the caller promises.
        unsafe { self.field_name(field) }.eq_ignore_ascii_case(name)
    }

    /// Appends a field's whole value (all its comma-separated values) to `out`.
    ///
    /// # Safety
    /// As for [`Message::field_name`].
    pub unsafe fn field_value_into(&self, field: TSMLoc, out: &mut Vec<u8>) {
        let mut n: c_int = 0;
        // SAFETY: a live field; index -1 is the whole value, which lives in the buffer.
        unsafe {
            let ptr = TSMimeHdrFieldValueStringGet(self.buf(), self.hdr(), field, -1, &mut n);
            out.extend_from_slice(bytes(ptr, n));
        }
    }

    /// Replaces a field's whole value.
    ///
    /// # Safety
    /// As for [`Message::field_name`].
    pub unsafe fn set_field_value(&self, field: TSMLoc, value: &[u8]) -> AbiResult<()> {
        // SAFETY: a live field; the API copies the value. Index -1 replaces the whole value, every
        // comma-separated part of it, so there is nothing to clear first (tslua.so does the same).
        unsafe {
            ok(TSMimeHdrFieldValueStringSet(
                self.buf(),
                self.hdr(),
                field,
                -1,
                value.as_ptr().cast(),
                len(value)?,
            ))
        }
    }

    /// Appends every field, name and value, each as a list item, in one walk.
    pub fn fields_into(&self, out: &mut Vec<u8>) {
        let mut value = Vec::new();
        // SAFETY: valid buffer and header; each handle is released by `Loc`.
        let mut next = unsafe { TSMimeHdrFieldGet(self.buf(), self.hdr(), 0) };
        while let Some(field) = self.field_loc(next) {
            // SAFETY: a live field of this header, until `field` is dropped.
            unsafe {
                push_item(out, self.field_name(field.loc));
                value.clear();
                self.field_value_into(field.loc, &mut value);
            }
            push_item(out, &value);
            // SAFETY: a live field of this header.
            next = unsafe { TSMimeHdrFieldNext(self.buf(), self.hdr(), field.loc) };
        }
    }

    pub fn field_count(&self) -> AbiResult<usize> {
        // SAFETY: valid buffer and header.
        let n = unsafe { TSMimeHdrFieldsCount(self.buf(), self.hdr()) };
        usize::try_from(n).map_err(|_| Error::InvalidArgument)
    }

    fn field_at(&self, index: usize) -> AbiResult<Loc> {
        let index = c_int::try_from(index).map_err(|_| Error::NotFound)?;
        // SAFETY: valid buffer and header; out-of-range indexes give null.
        let loc = unsafe { TSMimeHdrFieldGet(self.buf(), self.hdr(), index) };
        self.field_loc(loc).ok_or(Error::NotFound)
    }

    pub fn field_name_at(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        let field = self.field_at(index)?;
        // SAFETY: a live field of this header.
        out.extend_from_slice(unsafe { self.field_name(field.loc) });
        Ok(())
    }

    /// The fields as Traffic Server prints them (`TSMimeHdrPrint`: each as received, then the
    /// blank line), copied out of a buffer made for the purpose.
    pub fn print_fields(&self, out: &mut Vec<u8>) {
        // SAFETY: valid buffer and header; the IO buffer and its reader are ours, read block by
        // block while alive, and destroyed (with the reader) before returning.
        unsafe {
            let buffer = TSIOBufferCreate();
            let reader = TSIOBufferReaderAlloc(buffer);
            TSMimeHdrPrint(self.buf(), self.hdr(), buffer);
            let mut block = TSIOBufferReaderStart(reader);
            while !block.is_null() {
                let mut n: i64 = 0;
                let data = TSIOBufferBlockReadStart(block, reader, &mut n);
                if !data.is_null() && n > 0 {
                    out.extend_from_slice(std::slice::from_raw_parts(
                        data.cast::<u8>(),
                        n as usize,
                    ));
                }
                block = TSIOBufferBlockNext(block);
            }
            TSIOBufferDestroy(buffer);
        }
    }

    pub fn field_value_at(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        let field = self.field_at(index)?;
        // SAFETY: a live field of this header.
        unsafe { self.field_value_into(field.loc, out) };
        Ok(())
    }

    /// A string the API returns as `(ptr, len)` for this header.
    fn string(
        &self,
        get: unsafe extern "C" fn(TSMBuffer, TSMLoc, *mut c_int) -> *const c_char,
    ) -> Vec<u8> {
        let mut n: c_int = 0;
        // SAFETY: valid buffer and header; the string lives in the buffer.
        unsafe { bytes(get(self.buf(), self.hdr(), &mut n), n).to_vec() }
    }

    pub fn method(&self) -> Vec<u8> {
        self.string(TSHttpHdrMethodGet)
    }

    pub fn set_method(&self, method: &[u8]) -> AbiResult<()> {
        // SAFETY: valid buffer, header and bytes; the API copies them.
        ok(unsafe {
            TSHttpHdrMethodSet(self.buf(), self.hdr(), method.as_ptr().cast(), len(method)?)
        })
    }

    pub fn status(&self) -> u16 {
        // SAFETY: valid buffer and header.
        unsafe { TSHttpHdrStatusGet(self.buf(), self.hdr()) as u16 }
    }

    pub fn set_status(&self, status: u16) -> AbiResult<()> {
        // SAFETY: as above.
        ok(unsafe { TSHttpHdrStatusSet(self.buf(), self.hdr(), TSHttpStatus::from(status)) })
    }

    pub fn reason(&self) -> Vec<u8> {
        self.string(TSHttpHdrReasonGet)
    }

    pub fn set_reason(&self, reason: &[u8]) -> AbiResult<()> {
        // SAFETY: valid buffer, header and bytes; the API copies them.
        ok(unsafe {
            TSHttpHdrReasonSet(self.buf(), self.hdr(), reason.as_ptr().cast(), len(reason)?)
        })
    }

    /// `major.minor`, from Traffic Server's `(major << 16) | minor`.
    pub fn version(&self) -> Vec<u8> {
        // SAFETY: valid buffer and header.
        let v = unsafe { TSHttpHdrVersionGet(self.buf(), self.hdr()) };
        format!("{}.{}", v >> 16, v & 0xffff).into_bytes()
    }

    pub fn set_version(&self, version: Version) -> AbiResult<()> {
        let (major, minor) = version.major_minor();
        let v = (c_int::from(major) << 16) | c_int::from(minor);
        // SAFETY: valid buffer and header.
        ok(unsafe { TSHttpHdrVersionSet(self.buf(), self.hdr(), v) })
    }

    fn url_loc(&self) -> AbiResult<Loc> {
        let mut loc: TSMLoc = std::ptr::null_mut();
        // SAFETY: valid buffer and header (a request).
        ok(unsafe { TSHttpHdrUrlGet(self.buf(), self.hdr(), &mut loc) })?;
        Ok(Loc {
            buf: self.buf(),
            parent: self.hdr(),
            loc,
        })
    }

    /// The request's URL as Traffic Server stores it (an origin-form request's has no host).
    pub fn url(&self) -> AbiResult<Url> {
        let url = self.url_loc()?;
        let mut n: c_int = 0;
        // SAFETY: a live URL; the string is ours to free.
        let text = unsafe { take_string(TSUrlStringGet(url.buf, url.loc, &mut n), n) }
            .ok_or(Error::InvalidArgument)?;
        let mut parsed =
            Url::parse(&String::from_utf8_lossy(&text)).map_err(|_| Error::InvalidArgument)?;
        // Path and parameters as stored: printed, a `;` set with the path reads like theirs.
        // SAFETY: a live URL; the API returns pointers into it, valid until it changes.
        let (path, params) = unsafe {
            (
                url_part(&url, TSUrlPathGet),
                url_part(&url, TSUrlHttpParamsGet),
            )
        };
        parsed.path = String::from_utf8_lossy(path).into_owned();
        parsed.params =
            Some(String::from_utf8_lossy(params).into_owned()).filter(|p| !p.is_empty());
        Ok(parsed)
    }

    /// The path, read in place rather than by printing and parsing the whole URL (which cost more
    /// than the rest of a small hook): scripts read it on most requests.
    pub fn url_path(&self, out: &mut Vec<u8>) -> AbiResult<()> {
        let url = self.url_loc()?;
        // SAFETY: a live URL; the API returns pointers into it, valid until it changes.
        let (path, params) = unsafe {
            (
                url_part(&url, TSUrlPathGet),
                url_part(&url, TSUrlHttpParamsGet),
            )
        };
        // As the whole URL reads: `path;params`, not-UTF-8 bytes replaced.
        let mut raw = path.to_vec();
        if !params.is_empty() {
            raw.push(b';');
            raw.extend_from_slice(params);
        }
        out.extend_from_slice(String::from_utf8_lossy(&raw).as_bytes());
        Ok(())
    }

    /// Changes one part of the URL (Traffic Server keeps a path's `;params` when the path is set).
    pub fn url_set(&self, edit: UrlEdit) -> AbiResult<()> {
        let url = self.url_loc()?;
        let (buf, loc) = (url.buf, url.loc);
        let set =
            |f: unsafe extern "C" fn(TSMBuffer, TSMLoc, *const c_char, c_int) -> TSReturnCode,
             text: &str| {
                // SAFETY: a live URL; the API copies the bytes.
                ok(unsafe { f(buf, loc, text.as_ptr().cast(), len(text.as_bytes())?) })
            };
        let port = |port: Option<u16>| {
            // SAFETY: a live URL; port 0 removes an explicit port.
            ok(unsafe { TSUrlPortSet(buf, loc, c_int::from(port.unwrap_or(0))) })
        };
        match edit {
            UrlEdit::Scheme(scheme) => set(TSUrlSchemeSet, &scheme),
            UrlEdit::Host(host) => set(TSUrlHostSet, &host),
            UrlEdit::Port(p) => port(p),
            UrlEdit::Path(path) => set(TSUrlPathSet, &path),
            UrlEdit::Query(query) => set(TSUrlHttpQuerySet, query.as_deref().unwrap_or("")),
            UrlEdit::Params(params) => set(TSUrlHttpParamsSet, params.as_deref().unwrap_or("")),
            UrlEdit::Whole(wanted) => {
                set(TSUrlSchemeSet, &wanted.scheme)?;
                set(TSUrlHostSet, &wanted.host)?;
                port(wanted.port)?;
                set(TSUrlPathSet, &wanted.path)?;
                set(TSUrlHttpParamsSet, wanted.params.as_deref().unwrap_or(""))?;
                set(TSUrlHttpQuerySet, wanted.query.as_deref().unwrap_or(""))
            }
        }
    }
}

/// One component of a URL, as the `TSUrl*Get` functions that return a pointer into it give it.
///
/// # Safety
/// `url` must be a live URL; the slice is valid until the URL changes.
unsafe fn url_part(
    url: &Loc,
    get: unsafe extern "C" fn(TSMBuffer, TSMLoc, *mut c_int) -> *const c_char,
) -> &[u8] {
    let mut n: c_int = 0;
    let ptr = unsafe { get(url.buf, url.loc, &mut n) };
    match ptr.is_null() || n <= 0 {
        true => &[],
        false => unsafe { bytes(ptr, n) },
    }
}
