//! Small safe helpers over the raw API: strings in and out, Traffic Server's allocator, handles that
//! release themselves, socket addresses.

use std::ffi::{c_char, c_int, CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tswasm::abi_types::Error;
use tswasm::txn::AbiResult;

use crate::ffi::*;

/// `TS_NULL_MLOC` (a macro in the header).
pub const NULL_MLOC: TSMLoc = std::ptr::null_mut();

/// A C string for the API; interior NULs (which guests could send) are cut there.
pub fn cstring(text: &str) -> CString {
    let end = text.find('\0').unwrap_or(text.len());
    CString::new(&text[..end]).expect("no NUL before `end`")
}

/// Bytes the API returned as `(pointer, length)`, copied; empty for a null pointer.
///
/// # Safety
/// `ptr` must be null or point to `len` readable bytes.
pub unsafe fn bytes<'a>(ptr: *const c_char, len: c_int) -> &'a [u8] {
    if ptr.is_null() || len <= 0 {
        return &[];
    }
    unsafe { std::slice::from_raw_parts(ptr.cast(), len as usize) }
}

/// A NUL-terminated string the API returned, or `None` for null.
///
/// # Safety
/// `ptr` must be null or a valid C string.
pub unsafe fn text(ptr: *const c_char) -> Option<String> {
    (!ptr.is_null()).then(|| {
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    })
}

/// A copy of `bytes` in Traffic Server's allocator, NUL-terminated, for the calls that take
/// ownership of a buffer (`TSHttpTxnErrorBodySet`, `TSHttpTxnRedirectUrlSet`).
pub fn ts_copy(bytes: &[u8]) -> *mut c_char {
    // SAFETY: `_TSmalloc` returns a fresh allocation of the size asked (it aborts on failure).
    unsafe {
        let ptr = _TSmalloc(bytes.len() + 1, c"tswasm".as_ptr()).cast::<u8>();
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
        *ptr.add(bytes.len()) = 0;
        ptr.cast()
    }
}

/// Frees memory the API allocated for us (`TSfree`).
///
/// # Safety
/// `ptr` must come from Traffic Server's allocator and not be used again.
pub unsafe fn ts_free(ptr: *mut c_char) {
    if !ptr.is_null() {
        unsafe { _TSfree(ptr.cast()) };
    }
}

/// A string the API allocated (`TSUrlStringGet`, `TSHttpTxnEffectiveUrlStringGet`), copied and freed.
///
/// # Safety
/// `ptr` must be null or an allocation of at least `len` bytes owned by the caller.
pub unsafe fn take_string(ptr: *mut c_char, len: c_int) -> Option<Vec<u8>> {
    if ptr.is_null() {
        return None;
    }
    let copy = unsafe { bytes(ptr, len) }.to_vec();
    unsafe { ts_free(ptr) };
    Some(copy)
}

/// A header or field location, released when dropped.
pub struct Loc {
    pub buf: TSMBuffer,
    pub parent: TSMLoc,
    pub loc: TSMLoc,
}

impl Drop for Loc {
    fn drop(&mut self) {
        // SAFETY: the location was handed out by the API for this buffer and parent.
        unsafe { TSHandleMLocRelease(self.buf, self.parent, self.loc) };
    }
}

/// Linux's address families, as `sockaddr` spells them.
const AF_INET: sa_family_t = 2;
const AF_INET6: sa_family_t = 10;

/// A socket address the API returned (`sockaddr_in` or `sockaddr_in6`); `None` for null or another
/// family (an address not filled in yet reads as family 0).
///
/// # Safety
/// `addr` must be null or point to a valid `sockaddr` of its family's size.
pub unsafe fn socket_addr(addr: *const sockaddr) -> Option<SocketAddr> {
    if addr.is_null() {
        return None;
    }
    match unsafe { (*addr).sa_family } {
        AF_INET => {
            // Port and address in network order.
            let raw = unsafe { &*addr.cast::<[u8; 16]>() };
            let port = u16::from_be_bytes([raw[2], raw[3]]);
            let ip = Ipv4Addr::new(raw[4], raw[5], raw[6], raw[7]);
            Some(SocketAddr::new(IpAddr::V4(ip), port))
        }
        AF_INET6 => {
            // Port at 2, flow info at 4, address at 8.
            let raw = unsafe { &*addr.cast::<[u8; 28]>() };
            let port = u16::from_be_bytes([raw[2], raw[3]]);
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&raw[8..24]);
            Some(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(octets)), port))
        }
        _ => None,
    }
}

/// A return code as a result: `error` for anything but success.
pub fn ok(rc: TSReturnCode, error: Error) -> AbiResult<()> {
    if rc == TS_SUCCESS {
        Ok(())
    } else {
        Err(error)
    }
}

/// `addr` as the C API takes it: a `sockaddr_in` or `sockaddr_in6` in a `sockaddr_storage`.
pub fn c_socket_addr(addr: SocketAddr) -> sockaddr_storage {
    // SAFETY: all-zero bytes are a valid (empty) sockaddr_storage.
    let mut storage: sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut raw = [0u8; 28];
    match addr {
        SocketAddr::V4(v4) => {
            raw[..2].copy_from_slice(&AF_INET.to_ne_bytes());
            raw[2..4].copy_from_slice(&v4.port().to_be_bytes());
            raw[4..8].copy_from_slice(&v4.ip().octets());
        }
        SocketAddr::V6(v6) => {
            raw[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
            raw[2..4].copy_from_slice(&v6.port().to_be_bytes());
            raw[8..24].copy_from_slice(&v6.ip().octets());
        }
    }
    // SAFETY: sockaddr_storage is 128 bytes, more than the 28 written.
    unsafe {
        std::ptr::copy_nonoverlapping(
            raw.as_ptr(),
            (&mut storage as *mut sockaddr_storage).cast::<u8>(),
            raw.len(),
        )
    };
    storage
}

/// The words after the library on a configuration line (`skip` of them left out).
///
/// # Safety
/// `argv` must hold `argc` valid C strings.
pub unsafe fn words(argc: c_int, argv: *const *const c_char, skip: usize) -> Vec<String> {
    (skip..usize::try_from(argc).unwrap_or(0))
        .filter_map(|i| unsafe { text(*argv.add(i)) })
        .collect()
}

/// The proxy's configuration directory, against which relative plugin files are found.
pub fn config_dir() -> std::path::PathBuf {
    // SAFETY: a static string.
    unsafe { text(TSConfigDirGet()) }
        .unwrap_or_else(|| "/etc/trafficserver".into())
        .into()
}
