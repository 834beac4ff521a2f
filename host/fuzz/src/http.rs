//! The HTTP parsers, with what a client or a file sends: a message that parses is written out
//! and parses again to the same bytes; a URL that parses gives its parts without panicking.

use tswasm::http::{split_host_port, Url};
use tswasm::simulator::{Request, Response};

use crate::Target;

pub struct Http;

impl Target for Http {
    fn name(&self) -> &'static str {
        "http"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let dir = crate::repo_root().join("examples/requests");
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read(entry.path()).ok())
            .collect();
        seeds.push(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec());
        seeds.push(b"http://user@h.example:8080/a;p/b?q=1#f".to_vec());
        seeds
    }

    fn run(&mut self, input: &[u8]) {
        if let Ok(request) = Request::parse(input) {
            let written = request.to_bytes();
            let again = Request::parse(&written)
                .unwrap_or_else(|e| panic!("a request it parsed, written out, fails: {e}"));
            assert_eq!(
                again.to_bytes(),
                written,
                "a request written out twice differs"
            );
        }
        if let Ok(response) = Response::parse(input) {
            let written = response.to_bytes();
            let again = Response::parse(&written)
                .unwrap_or_else(|e| panic!("a response it parsed, written out, fails: {e}"));
            assert_eq!(
                again.to_bytes(),
                written,
                "a response written out twice differs"
            );
        }
        if let Ok(text) = std::str::from_utf8(input) {
            if let Ok(mut url) = Url::parse(text) {
                let _ = (url.target(), url.effective_port(), url.params());
                url.fill_from_host_header(Some(input));
            }
            let _ = split_host_port(text);
        }
    }
}
