//! Traffic Server 9.2's overridable settings as every transaction starts with them in Debian's
//! package, for the in-memory proxy (`tswasm run`): what a script reads before it changes anything,
//! and the names it may change. As Traffic Server gave them to tslua.so and tswasm.so (the
//! differential test reads each one from both and from the in-memory proxy:
//! compat/conformance/config-defaults).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::txn::ConfigValue;

/// A setting's value as a transaction starts.
#[derive(Clone, Copy, Debug)]
pub enum Initial {
    /// An integer setting.
    Int(i64),
    /// A float setting, kept as a C `float` as Traffic Server does.
    Float(f32),
    /// A string setting.
    Text(&'static str),
    /// A string setting Traffic Server 9.2 cannot read (its API has no case for it): it takes a
    /// value, and still reads as nothing.
    Unset,
}

use Initial::*;

/// Every overridable setting by record name, in Traffic Server's key order. The server string
/// names the version the in-memory proxy stands for without its patch level.
#[rustfmt::skip]
pub const OVERRIDABLE: &[(&str, Initial)] = &[
    ("proxy.config.url_remap.pristine_host_hdr", Int(0)),
    ("proxy.config.http.chunking_enabled", Int(1)),
    ("proxy.config.http.negative_caching_enabled", Int(0)),
    ("proxy.config.http.negative_caching_lifetime", Int(1800)),
    ("proxy.config.http.cache.when_to_revalidate", Int(0)),
    ("proxy.config.http.keep_alive_enabled_in", Int(1)),
    ("proxy.config.http.keep_alive_enabled_out", Int(1)),
    ("proxy.config.http.keep_alive_post_out", Int(1)),
    ("proxy.config.http.server_session_sharing.match", Text("both")),
    ("proxy.config.net.sock_recv_buffer_size_out", Int(0)),
    ("proxy.config.net.sock_send_buffer_size_out", Int(0)),
    ("proxy.config.net.sock_option_flag_out", Int(1)),
    ("proxy.config.http.forward.proxy_auth_to_parent", Int(0)),
    ("proxy.config.http.anonymize_remove_from", Int(0)),
    ("proxy.config.http.anonymize_remove_referer", Int(0)),
    ("proxy.config.http.anonymize_remove_user_agent", Int(0)),
    ("proxy.config.http.anonymize_remove_cookie", Int(0)),
    ("proxy.config.http.anonymize_remove_client_ip", Int(0)),
    ("proxy.config.http.insert_client_ip", Int(1)),
    ("proxy.config.http.response_server_enabled", Int(1)),
    ("proxy.config.http.insert_squid_x_forwarded_for", Int(1)),
    ("proxy.config.http.send_http11_requests", Int(1)),
    ("proxy.config.http.cache.http", Int(1)),
    ("proxy.config.http.cache.ignore_client_no_cache", Int(1)),
    ("proxy.config.http.cache.ignore_client_cc_max_age", Int(1)),
    ("proxy.config.http.cache.ims_on_client_no_cache", Int(1)),
    ("proxy.config.http.cache.ignore_server_no_cache", Int(0)),
    ("proxy.config.http.cache.cache_responses_to_cookies", Int(1)),
    ("proxy.config.http.cache.ignore_authentication", Int(0)),
    ("proxy.config.http.cache.cache_urls_that_look_dynamic", Int(1)),
    ("proxy.config.http.cache.required_headers", Int(2)),
    ("proxy.config.http.insert_request_via_str", Int(1)),
    ("proxy.config.http.insert_response_via_str", Int(0)),
    ("proxy.config.http.cache.heuristic_min_lifetime", Int(3600)),
    ("proxy.config.http.cache.heuristic_max_lifetime", Int(86400)),
    ("proxy.config.http.cache.guaranteed_min_lifetime", Int(0)),
    ("proxy.config.http.cache.guaranteed_max_lifetime", Int(31536000)),
    ("proxy.config.http.cache.max_stale_age", Int(604800)),
    ("proxy.config.http.keep_alive_no_activity_timeout_in", Int(120)),
    ("proxy.config.http.keep_alive_no_activity_timeout_out", Int(120)),
    ("proxy.config.http.transaction_no_activity_timeout_in", Int(30)),
    ("proxy.config.http.transaction_no_activity_timeout_out", Int(30)),
    ("proxy.config.http.transaction_active_timeout_out", Int(0)),
    ("proxy.config.http.connect_attempts_max_retries", Int(3)),
    ("proxy.config.http.connect_attempts_max_retries_dead_server", Int(1)),
    ("proxy.config.http.connect_attempts_rr_retries", Int(3)),
    ("proxy.config.http.connect_attempts_timeout", Int(30)),
    ("proxy.config.http.post_connect_attempts_timeout", Int(1800)),
    ("proxy.config.http.down_server.cache_time", Int(60)),
    ("proxy.config.http.down_server.abort_threshold", Int(1000)),
    ("proxy.config.http.doc_in_cache_skip_dns", Int(1)),
    ("proxy.config.http.background_fill_active_timeout", Int(0)),
    ("proxy.config.http.response_server_str", Text("ATS/9.2")),
    ("proxy.config.http.cache.heuristic_lm_factor", Float(0.1)),
    ("proxy.config.http.background_fill_completed_threshold", Float(0.0)),
    ("proxy.config.net.sock_packet_mark_out", Int(0)),
    ("proxy.config.net.sock_packet_tos_out", Int(0)),
    ("proxy.config.http.insert_age_in_response", Int(1)),
    ("proxy.config.http.chunking.size", Int(4096)),
    ("proxy.config.http.flow_control.enabled", Int(0)),
    ("proxy.config.http.flow_control.low_water", Int(0)),
    ("proxy.config.http.flow_control.high_water", Int(0)),
    ("proxy.config.http.cache.range.lookup", Int(1)),
    ("proxy.config.http.default_buffer_size", Int(8)),
    ("proxy.config.http.default_buffer_water_mark", Int(32768)),
    ("proxy.config.http.request_header_max_size", Int(131072)),
    ("proxy.config.http.response_header_max_size", Int(131072)),
    ("proxy.config.http.negative_revalidating_enabled", Int(1)),
    ("proxy.config.http.negative_revalidating_lifetime", Int(1800)),
    ("proxy.config.ssl.hsts_max_age", Int(-1)),
    ("proxy.config.ssl.hsts_include_subdomains", Int(0)),
    ("proxy.config.http.cache.open_read_retry_time", Int(10)),
    ("proxy.config.http.cache.max_open_read_retries", Int(-1)),
    ("proxy.config.http.cache.range.write", Int(0)),
    ("proxy.config.http.post.check.content_length.enabled", Int(1)),
    ("proxy.config.http.global_user_agent_header", Text("")),
    ("proxy.config.http.auth_server_session_private", Int(1)),
    ("proxy.config.http.slow.log.threshold", Int(0)),
    ("proxy.config.http.cache.generation", Int(-1)),
    ("proxy.config.body_factory.template_base", Text("NONE")),
    ("proxy.config.http.cache.open_write_fail_action", Int(0)),
    ("proxy.config.http.number_of_redirections", Int(0)),
    ("proxy.config.http.cache.max_open_write_retries", Int(1)),
    ("proxy.config.http.redirect_use_orig_cache_key", Int(0)),
    ("proxy.config.http.attach_server_session_to_client", Int(0)),
    ("proxy.config.websocket.no_activity_timeout", Int(600)),
    ("proxy.config.websocket.active_timeout", Int(3600)),
    ("proxy.config.http.uncacheable_requests_bypass_parent", Int(1)),
    ("proxy.config.http.parent_proxy.total_connect_attempts", Int(4)),
    ("proxy.config.http.transaction_active_timeout_in", Int(900)),
    ("proxy.config.srv_enabled", Int(0)),
    ("proxy.config.http.forward_connect_method", Int(0)),
    ("proxy.config.ssl.client.cert.filename", Unset),
    ("proxy.config.ssl.client.cert.path", Unset),
    ("proxy.config.http.parent_proxy.mark_down_hostdb", Int(0)),
    ("proxy.config.http.cache.ignore_accept_mismatch", Int(2)),
    ("proxy.config.http.cache.ignore_accept_language_mismatch", Int(2)),
    ("proxy.config.http.cache.ignore_accept_encoding_mismatch", Int(2)),
    ("proxy.config.http.cache.ignore_accept_charset_mismatch", Int(2)),
    ("proxy.config.http.parent_proxy.fail_threshold", Int(10)),
    ("proxy.config.http.parent_proxy.retry_time", Int(300)),
    ("proxy.config.http.parent_proxy.per_parent_connect_attempts", Int(2)),
    ("proxy.config.http.parent_proxy.connect_attempts_timeout", Int(30)),
    ("proxy.config.http.normalize_ae", Int(1)),
    ("proxy.config.http.insert_forwarded", Unset),
    ("proxy.config.http.proxy_protocol_out", Int(-1)),
    ("proxy.config.http.allow_multi_range", Int(0)),
    ("proxy.config.http.request_buffer_enabled", Int(0)),
    ("proxy.config.http.allow_half_open", Int(1)),
    ("proxy.config.http.per_server.connection.min", Int(0)),
    ("proxy.config.http.per_server.connection.max", Int(0)),
    ("proxy.config.http.per_server.connection.match", Int(3)),
    ("proxy.config.ssl.client.verify.server.policy", Unset),
    ("proxy.config.ssl.client.verify.server.properties", Unset),
    ("proxy.config.ssl.client.sni_policy", Unset),
    ("proxy.config.ssl.client.private_key.filename", Unset),
    ("proxy.config.ssl.client.CA.cert.filename", Unset),
    // Unset too, but read as empty (Traffic Server itself crashes reading it; host/ats/src/txn.rs).
    ("proxy.config.hostdb.ip_resolve", Text("")),
    ("proxy.config.http.connect.dead.policy", Int(2)),
    ("proxy.config.http.max_proxy_cycles", Int(0)),
    ("proxy.config.plugin.vc.default_buffer_index", Int(8)),
    ("proxy.config.plugin.vc.default_buffer_water_mark", Int(0)),
    ("proxy.config.net.sock_notsent_lowat", Int(32768)),
    ("proxy.config.body_factory.response_suppression_mode", Int(0)),
    ("proxy.config.http.parent_proxy.enable_parent_timeout_markdowns", Int(0)),
    ("proxy.config.http.parent_proxy.disable_parent_markdowns", Int(0)),
    ("proxy.config.http.drop_chunked_trailers", Int(0)),
    ("proxy.config.http.strict_chunk_parsing", Int(1)),
];

/// The setting `name`, if it is one a transaction can override (looked up on every read of one).
pub fn initial(name: &str) -> Option<Initial> {
    static BY_NAME: OnceLock<HashMap<&'static str, Initial>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| OVERRIDABLE.iter().copied().collect())
        .get(name)
        .copied()
}

impl Initial {
    /// The value, for a setting that can be read.
    pub fn value(self) -> Option<ConfigValue> {
        Some(match self {
            Int(v) => ConfigValue::Int(v),
            Float(v) => ConfigValue::Float(f64::from(v)),
            Text(s) => ConfigValue::String(s.as_bytes().to_vec()),
            Unset => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_is_named_once() {
        let mut names: Vec<&str> = OVERRIDABLE.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OVERRIDABLE.len());
    }
}
