//! The responses Traffic Server makes itself, in its two shapes, and the body it attaches to them
//! only after the send-response hooks ran (so hooks see neither its `Content-Length` nor, for a
//! failed transaction, its `Content-Type`).
//!
//! - For a status a plugin set up to remap: its error page, not to be stored, `text/html` in
//!   English, with the body the plugin set, else its body factory's default template from the
//!   configuration directory of Debian's package (where `tswasm run` places the proxy). A status
//!   that precludes a body gets neither page nor type.
//! - For a hook that failed the transaction: the error status a plugin set, else
//!   `500 INKApi Error`, bare: no page, only the body a plugin gave.

use crate::http::Response;
use crate::services::DEBIAN_CONFIG_DIR;

/// Whether a response with `status` to a `method` request has no body (HTTP's rule, which
/// Traffic Server follows).
pub fn body_precluded(status: u16, method: &str) -> bool {
    (100..200).contains(&status)
        || status == 204
        || status == 304
        || method.eq_ignore_ascii_case("HEAD")
}

/// The error page for `status` with `body` (the body a plugin set), else the default page (for
/// no body, or an empty one).
pub fn response(status: u16, body: Option<&[u8]>) -> Response {
    let mut response = bare(status, "");
    response.headers.append(b"Cache-Control", b"no-store");
    if body_precluded(status, "") {
        return response;
    }
    response.body = match body {
        Some(body) if !body.is_empty() => body.to_vec(),
        // Without Traffic Server's templates installed the page is empty.
        _ => std::fs::read(format!("{DEBIAN_CONFIG_DIR}/body_factory/default/default"))
            .unwrap_or_default(),
    };
    response.headers.append(b"Content-Type", b"text/html");
    response.headers.append(b"Content-Language", b"en");
    response
}

/// The response for a transaction a hook failed: `status` if a plugin set an error status, with
/// the body a plugin gave the proxy, if any.
pub fn api_error(status: Option<u16>, body: Option<&[u8]>) -> Response {
    let mut response = match status.filter(|s| *s >= 400) {
        Some(status) => bare(status, ""),
        None => bare(500, "INKApi Error"),
    };
    response.body = body.unwrap_or_default().to_vec();
    response
}

/// After the send-response hooks: the length of the body the proxy sends, and its type (the one
/// it was given, else `text/html`); with no body, a length of 0 where a body could be. A HEAD
/// request gets the header a GET would, and no body.
pub fn attach_body(response: &mut Response, body_type: Option<&[u8]>, method: &str) {
    if !response.body.is_empty() {
        let length = response.body.len().to_string();
        response.headers.set(b"Content-Length", length.as_bytes());
        response.headers.remove(b"Transfer-Encoding");
        let body_type = body_type.unwrap_or(b"text/html");
        response.headers.set(b"Content-Type", body_type);
    } else if !body_precluded(response.status, method) {
        response.headers.set(b"Content-Length", b"0");
        response.headers.remove(b"Transfer-Encoding");
    }
    if method.eq_ignore_ascii_case("HEAD") {
        response.body.clear();
    }
}

/// A response with `status` (and `reason`, else the status's phrase), no fields and no body.
fn bare(status: u16, reason: &str) -> Response {
    let mut response = Response::local(status, b"");
    response.headers.clear();
    if !reason.is_empty() {
        response.reason = reason.into();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attached(status: u16, body: &[u8], method: &str) -> (Option<Vec<u8>>, Vec<u8>) {
        let mut response = bare(status, "");
        response.body = body.to_vec();
        attach_body(&mut response, None, method);
        let length = response
            .headers
            .get(b"Content-Length", 0)
            .map(<[u8]>::to_vec);
        (length, response.body)
    }

    /// As Traffic Server's `setup_internal_transfer` sets them.
    #[test]
    fn the_length_follows_the_body_and_a_head_request_gets_no_body() {
        assert_eq!(
            attached(403, b"no", "GET"),
            (Some(b"2".to_vec()), b"no".to_vec())
        );
        assert_eq!(
            attached(403, b"no", "HEAD"),
            (Some(b"2".to_vec()), Vec::new())
        );
        assert_eq!(attached(500, b"", "GET"), (Some(b"0".to_vec()), Vec::new()));
        assert_eq!(attached(204, b"", "GET"), (None, Vec::new()));
        assert_eq!(attached(500, b"", "HEAD"), (None, Vec::new()));
    }
}
