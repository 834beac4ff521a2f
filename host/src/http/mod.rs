//! HTTP as every proxy of ours sees it, independent of the ABI and of any proxy: URLs as Traffic
//! Server splits them, header fields and the rules for what may be sent, and HTTP/1.x messages
//! with their raw text form.

pub mod date;
pub mod fields;
pub mod message;
pub mod url;

pub use fields::{is_method, is_reason, is_token, name_hash, valid_field, Headers};
pub use message::{reason_phrase, Request, Response, Version};
pub use url::{split_host_port, Url, UrlEdit};
