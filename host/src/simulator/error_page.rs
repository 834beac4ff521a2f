//! The proxy's own error page, as Traffic Server answers a status a plugin set without a body:
//! its body factory's default template, from the configuration directory of Debian's package
//! (where `tswasm run` places the proxy), sent as `text/html` in English.

use crate::http::Response;
use crate::services::DEBIAN_CONFIG_DIR;

/// A response with `status` and `body` (the error body a plugin set), else the default page.
pub fn response(status: u16, body: Option<&[u8]>) -> Response {
    let page;
    let body = match body {
        Some(body) => body,
        None => {
            // Without Traffic Server's templates installed the page is empty.
            let template = format!("{DEBIAN_CONFIG_DIR}/body_factory/default/default");
            page = std::fs::read(template).unwrap_or_default();
            &page
        }
    };
    let mut response = Response::local(status, body);
    response.headers.set(b"Content-Type", b"text/html");
    response.headers.set(b"Content-Language", b"en");
    response
}
