function do_global_send_response()
  local h = ts.client_response.header
  h['X-Md5'] = ts.md5('abc')
  h['X-Sha1'] = ts.sha1('abc')
  h['X-Sha256'] = ts.sha256('abc')
  h['X-Md5-Bin-Len'] = #ts.md5_bin('abc')
  h['X-Hmac'] = ts.hmac_sha256('6b6579', 'The quick brown fox jumps over the lazy dog')
  h['X-B64'] = ts.base64_encode('hello, world')
  h['X-Unb64'] = ts.base64_decode('aGVsbG8sIHdvcmxk')
  h['X-Escape'] = ts.escape_uri('a b/c?d=é~')
  h['X-Unescape'] = ts.unescape_uri('a%20b%2Fc')
  return 0
end
