//! Serving a response a plugin made (the ABI's `intercept`, tslua's `ts.http.intercept` and
//! `server_intercept`): Traffic Server hands the transaction's connection to our continuation,
//! which reads and discards the request and writes the response, then closes.
//! A client intercept answers the client; a server intercept stands in for the origin, so the
//! read-response hooks and caching apply to it.

use std::ffi::{c_int, c_void};

use tswasm::abi_types::Intercept;

use crate::ffi::*;

struct Serve {
    response: Vec<u8>,
    vconn: TSVConn,
    request: TSIOBuffer,
    request_reader: TSIOBufferReader,
    response_buffer: TSIOBuffer,
    response_reader: TSIOBufferReader,
}

/// Arranges for `response` (a complete raw HTTP response) to be served for `txn`.
///
/// # Safety
/// `txn` must be a live transaction at a hook before the origin is contacted.
pub unsafe fn arrange(txn: TSHttpTxn, kind: Intercept, response: Vec<u8>) {
    let state = Box::into_raw(Box::new(Serve {
        response,
        vconn: std::ptr::null_mut(),
        request: std::ptr::null_mut(),
        request_reader: std::ptr::null_mut(),
        response_buffer: std::ptr::null_mut(),
        response_reader: std::ptr::null_mut(),
    }));
    // SAFETY: the continuation owns the state until `finish`; a mutex serialises its events.
    unsafe {
        let cont = TSContCreate(Some(serve_event), TSMutexCreate());
        TSContDataSet(cont, state.cast());
        match kind {
            Intercept::Client => TSHttpTxnIntercept(cont, txn),
            Intercept::Server => TSHttpTxnServerIntercept(cont, txn),
        }
    }
}

unsafe extern "C" fn serve_event(cont: TSCont, event: TSEvent, edata: *mut c_void) -> c_int {
    // SAFETY: the state `arrange` made; events for this continuation are serialised.
    crate::guard::guarded("intercept", (), || unsafe {
        let state = &mut *TSContDataGet(cont).cast::<Serve>();
        match event {
            TS_EVENT_NET_ACCEPT => {
                state.vconn = edata.cast();
                // The request must be read (and is ignored): the response is already made.
                state.request = TSIOBufferCreate();
                state.request_reader = TSIOBufferReaderAlloc(state.request);
                TSVConnRead(state.vconn, cont, state.request, i64::MAX);
                state.response_buffer = TSIOBufferCreate();
                state.response_reader = TSIOBufferReaderAlloc(state.response_buffer);
                let len = state.response.len() as i64;
                TSIOBufferWrite(state.response_buffer, state.response.as_ptr().cast(), len);
                TSVConnWrite(state.vconn, cont, state.response_reader, len);
            }
            TS_EVENT_VCONN_READ_READY => {
                let avail = TSIOBufferReaderAvail(state.request_reader);
                TSIOBufferReaderConsume(state.request_reader, avail);
                TSVIOReenable(edata.cast());
            }
            TS_EVENT_VCONN_WRITE_READY => TSVIOReenable(edata.cast()),
            TS_EVENT_VCONN_READ_COMPLETE | TS_EVENT_VCONN_EOS => {}
            // Written (or the connection failed): done.
            _ => finish(cont),
        }
    });
    0
}

/// Closes the connection and frees everything the intercept made.
///
/// # Safety
/// `cont` is an intercept continuation; nothing uses it afterwards.
unsafe fn finish(cont: TSCont) {
    unsafe {
        let state = Box::from_raw(TSContDataGet(cont).cast::<Serve>());
        if !state.vconn.is_null() {
            TSVConnShutdown(state.vconn, 1, 1);
            TSVConnClose(state.vconn);
        }
        if !state.request.is_null() {
            TSIOBufferReaderFree(state.request_reader);
            TSIOBufferDestroy(state.request);
        }
        if !state.response_buffer.is_null() {
            TSIOBufferReaderFree(state.response_reader);
            TSIOBufferDestroy(state.response_buffer);
        }
        TSContDestroy(cont);
    }
}
