//! Asks the proxy for what the ABI refuses (invalid names, values, URLs, statuses; calls at hooks
//! that do not allow them) and reports every answer as an `X-Refused-<case>` header on the client
//! response. The same guest runs on the in-memory proxy and in Traffic Server, and the tests
//! compare the answers: both proxies must refuse the same things the same way.

use tswasm_guest_sdk::env::{self, Stat, TextLog};
use tswasm_guest_sdk::{
    register, Action, CacheStatus, ClientProtocol, Error, Fields, Hook, Intercept, Plugin,
    RecordType, StatKind, TextLogMode, Txn, UrlPart,
};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

pub struct Refusals;

/// Each case and the answer to it, reported at send-response.
type Answers = Vec<(&'static str, String)>;

fn answer(result: Result<impl Sized, Error>) -> String {
    match result {
        Ok(_) => "accepted".into(),
        Err(e) => e.name().replace(' ', "-"),
    }
}

/// Opens a text log of this name (and closes it again if that worked).
fn text_log_named(name: &[u8]) -> String {
    answer(
        TextLog::create(&String::from_utf8_lossy(name), TextLogMode::Plain)
            .and_then(TextLog::destroy),
    )
}

/// Writes this line to an open text log.
fn text_log_line(line: &[u8]) -> String {
    let log = TextLog::create("refusals", TextLogMode::Plain);
    answer(log.and_then(|log| log.write(line)))
}

impl Plugin for Refusals {
    type TxnState = Answers;
    const HOOKS: &'static [Hook] = &[
        Hook::ReadRequest,
        Hook::PostRemap,
        Hook::CacheLookupComplete,
        Hook::ReadResponse,
        Hook::SendResponse,
    ];

    fn new() -> Result<Self, String> {
        Ok(Refusals)
    }

    fn on_read_request(&mut self, txn: &mut Txn<Answers>) -> Action {
        let req = txn.client_request();
        let cases = vec![
            ("header-name-space", answer(req.set_header("Bad Name", "v"))),
            ("header-name-colon", answer(req.append_header("X:Y", "v"))),
            (
                "header-value-crlf",
                answer(req.set_header("X-A", "a\r\nB: 1")),
            ),
            ("header-value-nul", answer(req.append_header("X-A", "a\0b"))),
            ("method-digit", answer(req.set_method("GET1"))),
            ("method-empty", answer(req.set_method(""))),
            (
                "url-port-text",
                answer(req.set_url_part(UrlPart::Port, "http")),
            ),
            (
                "url-port-range",
                answer(req.set_url_part(UrlPart::Port, "65536")),
            ),
            ("url-host-space", answer(req.set_host("bad host"))),
            ("url-path-ctl", answer(req.set_path("a\tb"))),
            (
                "url-params-query",
                answer(req.set_url_part(UrlPart::Params, "a?b")),
            ),
            (
                "url-relative",
                answer(req.set_url_part(UrlPart::Url, "no/scheme")),
            ),
            (
                "redirect-relative",
                answer(txn.set_redirect_url("/elsewhere")),
            ),
            ("cache-status-early", answer(txn.cache_status())),
            (
                "cache-status-set-early",
                answer(txn.set_cache_status(CacheStatus::Miss)),
            ),
            ("cache-key-space", answer(txn.set_cache_key("http://h/a b"))),
            ("cache-key-empty", answer(txn.set_cache_key(""))),
            (
                "intercept-garbage",
                answer(txn.intercept(Intercept::Client, b"not http")),
            ),
            ("respond-status-low", answer(txn.respond(99, b""))),
            ("respond-status-high", answer(txn.respond(1000, b""))),
            (
                "respond-header-first",
                answer(txn.respond_header("X-A", "v")),
            ),
            (
                "config-unknown",
                answer(txn.config_int("proxy.config.no.such.record")),
            ),
            (
                "config-wrong-type",
                answer(txn.config_int("proxy.config.http.cache.heuristic_lm_factor")),
            ),
            (
                "stat-name-empty",
                answer(Stat::create("", StatKind::Counter)),
            ),
            (
                "stat-name-nul",
                answer(Stat::create("refusals\0x", StatKind::Counter)),
            ),
            (
                "stat-name-proxys",
                answer(Stat::create(
                    "proxy.process.http.incoming_requests",
                    StatKind::Counter,
                )),
            ),
            (
                "record-name-nul",
                answer(env::record(
                    RecordType::Int,
                    "proxy.config.http.cache.http\0x",
                )),
            ),
            (
                "config-string-nul",
                answer(txn.set_config_string("proxy.config.http.response_server_str", "a\0b")),
            ),
            (
                "server-push-relative",
                answer(txn.server_push("/style.css")),
            ),
            (
                "server-push-to-http1",
                answer(txn.server_push("http://h/style.css")),
            ),
            (
                "client-protocol-in-txn",
                answer(txn.disable_client_protocol(ClientProtocol::Http2)),
            ),
            ("text-log-name-empty", text_log_named(b"")),
            ("text-log-name-path", text_log_named(b"../escape")),
            ("text-log-name-absolute", text_log_named(b"/tmp/escape")),
            ("text-log-name-hidden", text_log_named(b".hidden")),
            ("text-log-name-space", text_log_named(b"a b")),
            ("text-log-name-proxys", text_log_named(b"diags.log")),
            ("text-log-name-long", text_log_named(&[b'a'; 129])),
            ("text-log-name-longest", text_log_named(&[b'a'; 128])),
            ("text-log-text-nul", text_log_line(b"a\0b")),
            (
                "text-log-write-unopened",
                answer(
                    TextLog::create("refusals", TextLogMode::Plain).and_then(|log| {
                        log.clone().destroy()?;
                        log.write(b"after destroy")
                    }),
                ),
            ),
        ];
        txn.state().extend(cases);
        Action::Continue
    }

    fn on_post_remap(&mut self, txn: &mut Txn<Answers>) -> Action {
        let cases = vec![(
            "respond-redirect-after-remap",
            answer(txn.respond(302, b"")),
        )];
        txn.state().extend(cases);
        Action::Continue
    }

    fn on_cache_lookup_complete(&mut self, txn: &mut Txn<Answers>) -> Action {
        let cases = vec![
            ("cache-key-late", answer(txn.set_cache_key("http://h/late"))),
            (
                "intercept-client-late",
                answer(txn.intercept(Intercept::Client, RESPONSE)),
            ),
        ];
        txn.state().extend(cases);
        Action::Continue
    }

    fn on_read_response(&mut self, txn: &mut Txn<Answers>) -> Action {
        let resp = txn.server_response();
        let cases = vec![
            ("reason-crlf", answer(resp.set_reason("OK\r\nX-B: 1"))),
            ("reason-tab", answer(resp.set_reason("O\tK"))),
            ("status-low", answer(resp.set_status(99))),
            ("version-two", answer(resp.set_version("2.0"))),
            (
                "cache-status-set-late",
                answer(txn.set_cache_status(CacheStatus::Miss)),
            ),
            (
                "intercept-server-late",
                answer(txn.intercept(Intercept::Server, RESPONSE)),
            ),
        ];
        txn.state().extend(cases);
        Action::Continue
    }

    fn on_send_response(&mut self, txn: &mut Txn<Answers>) -> Action {
        // Accepted: the response being sent takes the status (the same status here, so the
        // answers still reach the client unchanged).
        let mut cases = vec![("respond-at-send-response", answer(txn.respond(200, b"")))];
        cases.extend(std::mem::take(txn.state()));
        let resp = txn.client_response();
        for (case, answer) in cases {
            let _ = resp.set_header(&format!("X-Refused-{case}"), &answer);
        }
        Action::Continue
    }
}

register!(Refusals);
