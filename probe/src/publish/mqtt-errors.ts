/**
 * What an operator should read when the broker will not have this probe: one line that says what
 * happened and what to check, instead of MQTT.js's raw messages ("Connection refused: Not
 * authorized", OpenSSL codes). Pure: the error, the broker URL and where the CA came from (the
 * flag or config key and its file, when one was given) in, a line out.
 */
export function describeMqttError(e: Error & { code?: unknown }, url: string, ca?: { name: string; file: string }): string {
  switch (e.code) {
    case 2:
      return 'the broker refused the client id (a probe connects as spanmap-probe-<probe id>: its --probe-id must be its username)';
    case 4:
      return "not authorized: wrong username or password (check the probe's username/password)";
    case 5:
      return `not authorized (check the probe's username/password${/^(mqtts|ssl|tls|wss):/.test(url) ? ', and that its client certificate is its own' : ''})`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      // Name the CA the way the user gave it (the flag or the config key), or say how to give one.
      return ca
        ? `TLS: ${e.message}: the broker's certificate is not signed by the CA in ${ca.name} (${ca.file})`
        : `TLS: ${e.message}: the broker's certificate is not signed by a CA this probe trusts (give it with --ca or publish.ca)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: ${e.message} (connect with a host name or address the broker's certificate names)`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `TLS: ${e.message}: renew the broker's certificate (or check this machine's clock)`;
    case 'ECONNREFUSED':
      return `nothing listens at ${url} (connection refused); retrying`;
    default:
      return e.message;
  }
}

/** The broker hung up before its CONNACK without any error: typically plain MQTT sent to a TLS port. */
export function describeSilentClose(url: string): string {
  return `the broker closed the connection without answering${/^(mqtt|tcp|ws):/.test(url) ? ' (is it a TLS port? then use an mqtts:// URL)' : ''}`;
}
