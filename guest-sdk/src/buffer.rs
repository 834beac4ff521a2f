//! Calling host functions that fill a guest buffer, growing it when the value is larger.

use crate::Error;

/// Calls `fill(ptr, cap)` until the value fits, and returns its bytes (or the host's error).
pub(crate) fn read_bytes(fill: impl Fn(u32, u32) -> i32) -> Result<Vec<u8>, Error> {
    let mut buf: Vec<u8> = Vec::with_capacity(128);
    loop {
        let ret = fill(buf.as_mut_ptr() as u32, buf.capacity() as u32);
        let len = status(ret)? as usize;
        if len <= buf.capacity() {
            // SAFETY: the host wrote `len` initialised bytes at the start of the buffer.
            unsafe { buf.set_len(len) };
            return Ok(buf);
        }
        buf.reserve_exact(len);
    }
}

/// Like [`read_bytes`], as UTF-8 (invalid sequences replaced).
pub(crate) fn read_string(fill: impl Fn(u32, u32) -> i32) -> Result<String, Error> {
    read_bytes(fill).map(|bytes| match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Turns a host return value into its non-negative result or the error it stands for.
pub(crate) fn status(ret: i32) -> Result<i32, Error> {
    if ret >= 0 {
        Ok(ret)
    } else {
        Err(Error::from_raw(ret).unwrap_or(Error::InvalidArgument))
    }
}

/// `(ptr, len)` of a byte slice, as the ABI passes it.
pub(crate) fn raw(bytes: &[u8]) -> (u32, u32) {
    (bytes.as_ptr() as u32, bytes.len() as u32)
}
