//! What the safe imports share: turning a result into a value or an error, filling a buffer the
//! host writes into, reading an 8-byte value the host writes.

use crate::Error;

/// Calls `call(ptr, cap)` with `out`'s spare room until the value fits, and leaves its bytes in
/// `out` (or returns the host's error).
pub(crate) fn fill(out: &mut Vec<u8>, call: impl Fn(u32, u32) -> i32) -> Result<(), Error> {
    out.clear();
    if out.capacity() == 0 {
        out.reserve(128);
    }
    loop {
        let len = status(call(out.as_mut_ptr() as u32, out.capacity() as u32))? as usize;
        if len <= out.capacity() {
            // SAFETY: the host wrote `len` initialised bytes at the start of the buffer.
            unsafe { out.set_len(len) };
            return Ok(());
        }
        out.reserve_exact(len);
    }
}

/// Calls `call(out_ptr)` with room for one `T` the host writes, and returns it.
pub(crate) fn value<T: Copy + Default>(call: impl FnOnce(u32) -> i32) -> Result<T, Error> {
    let mut value = T::default();
    status(call(&mut value as *mut T as u32))?;
    Ok(value)
}

/// Turns a host return value into its non-negative result or the error it stands for.
pub(crate) fn status(ret: i32) -> Result<i32, Error> {
    if ret >= 0 {
        Ok(ret)
    } else {
        Err(Error::from_raw(ret).unwrap_or(Error::InvalidArgument))
    }
}

/// Text the host returned, with invalid UTF-8 sequences replaced.
pub(crate) fn string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Runs `call` with a fresh buffer and returns what it filled, as text.
pub(crate) fn read_string(
    call: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<String, Error> {
    read_bytes(call).map(string)
}

/// Runs `call` with a fresh buffer and returns what it filled.
pub(crate) fn read_bytes(
    call: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    call(&mut out)?;
    Ok(out)
}
