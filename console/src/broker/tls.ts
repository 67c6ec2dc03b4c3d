import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { TlsOptions, TLSSocket } from 'node:tls';
import { SpanmapError, errorLine } from '@spanmap/shared';

/** PEM files for the embedded broker's mqtts listener. */
export interface BrokerTlsFiles {
  /** The broker's certificate (chain), PEM. Its subjectAltName must hold the names/addresses probes connect to. */
  certFile: string;
  keyFile: string;
  /** When given, clients must present a certificate signed by this CA (its CN = their username). */
  caFile?: string;
}

export interface BrokerTls {
  options: TlsOptions;
  clientCertRequired: boolean;
  /** Things to tell the operator at start (an expired or soon-expiring certificate). */
  warnings: string[];
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SpanmapError('bad_config', `broker TLS: cannot read the ${what} ${errorLine(e).startsWith(file) ? errorLine(e) : `${file}: ${errorLine(e)}`}`);
  }
}

function certificates(pem: Buffer, file: string, what: string): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new SpanmapError('bad_config', `broker TLS: the ${what} ${file} holds no PEM certificate`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new SpanmapError('bad_config', `broker TLS: the ${what} ${file} holds a certificate that cannot be parsed (${errorLine(e)})`);
    }
  });
}

/** Reads and checks the files once at start: a wrong path or a key that does not match is one line, before listening. */
export function loadBrokerTls(files: BrokerTlsFiles, now = Date.now()): BrokerTls {
  const cert = read(files.certFile, 'certificate');
  const key = read(files.keyFile, 'key');
  const ca = files.caFile !== undefined ? read(files.caFile, 'client CA') : undefined;
  const leaf = certificates(cert, files.certFile, 'certificate')[0]!;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch (e) {
    throw new SpanmapError('bad_config', `broker TLS: the key ${files.keyFile} is not a readable (unencrypted PEM) private key (${errorLine(e)})`);
  }
  if (!leaf.checkPrivateKey(keyObject))
    throw new SpanmapError('bad_config', `broker TLS: the key ${files.keyFile} does not belong to the certificate ${files.certFile}`);
  if (ca) certificates(ca, files.caFile!, 'client CA');

  const warnings: string[] = [];
  const expires = Date.parse(leaf.validTo);
  if (expires < now) warnings.push(`broker TLS: the certificate ${files.certFile} expired on ${leaf.validTo}: probes will refuse it`);
  else if (expires - now < 30 * 86_400_000) warnings.push(`broker TLS: the certificate ${files.certFile} expires on ${leaf.validTo}`);
  if (!leaf.subjectAltName)
    warnings.push(`broker TLS: the certificate ${files.certFile} has no subjectAltName: clients check the host name against it and will refuse the connection`);

  return {
    options: {
      cert,
      key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: 10_000,
      ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}),
    },
    clientCertRequired: ca !== undefined,
    warnings,
  };
}

/** The common name of a verified client certificate, or null. */
export function peerCommonName(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' ? cn : Array.isArray(cn) ? (cn[0] ?? null) : null;
}

/** A failed TLS handshake, said so an operator knows what to fix. */
export function describeTlsError(e: Error & { code?: string }): string {
  const m = `${e.code ?? ''} ${e.message}`.toLowerCase();
  if (/wrong[_ ]version[_ ]number|http[_ ]request|unknown[_ ]protocol|packet[_ ]length[_ ]too[_ ]long|unexpected[_ ]message/.test(m))
    return 'the client does not speak TLS (a plain mqtt:// client on the mqtts port?)';
  if (/unknown[_ ]ca/.test(m)) return "the client does not trust this broker's certificate (give the probe the CA with --ca or publish.ca)";
  if (/bad[_ ]certificate|certificate[_ ]unknown/.test(m))
    return "the client rejected this broker's certificate (is the host name or address it connects to in the certificate's subjectAltName?)";
  if (/peer did not return a certificate|certificate required/.test(m)) return 'the client sent no certificate (this broker requires client certificates)';
  if (/certificate verify failed|unable to get local issuer|self[_ -]signed/.test(m)) return "the client's certificate is not signed by the broker's client CA";
  if (/econnreset|socket hang up/.test(m))
    return "the client hung up during the handshake (often: it does not trust this broker's certificate; give the probe the CA with --ca)";
  if (/timed out|timeout/.test(m)) return 'the handshake timed out';
  return e.message.split('\n')[0]!;
}
