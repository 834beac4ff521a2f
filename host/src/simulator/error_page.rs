//! The response Traffic Server makes for a status a plugin set: the body the plugin set, else its
//! body factory's default template, from the configuration directory of Debian's package (where
//! `tswasm run` places the proxy), sent as `text/html` in English.

use crate::http::Response;
use crate::services::DEBIAN_CONFIG_DIR;

/// A response with `status` and `body` (the body a plugin set), else the default page (for no
/// body, or an empty one).
pub fn response(status: u16, body: Option<&[u8]>) -> Response {
    let page;
    let body = match body {
        Some(body) if !body.is_empty() => body,
        _ => {
            // Without Traffic Server's templates installed the page is empty.
            let template = format!("{DEBIAN_CONFIG_DIR}/body_factory/default/default");
            page = std::fs::read(template).unwrap_or_default();
            &page
        }
    };
    let mut response = Response::local(status, body);
    let length = response.headers.0.split_off(0);
    response.headers.append(b"Content-Type", b"text/html");
    response.headers.append(b"Content-Language", b"en");
    response.headers.0.extend(length);
    response
}
