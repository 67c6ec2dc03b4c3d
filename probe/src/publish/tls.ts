import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { SpanmapError, errorLine } from '@spanmap/shared';
import { FLAG_NAMES, type TlsFiles, type TlsNames } from './options.js';

/** What MQTT.js takes for mqtts://: the PEM contents. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * Reads the PEM files for mqtts://. A missing or unreadable file, a file that is not PEM, or a key
 * that does not belong to its certificate is one line naming it the way the user gave it: the
 * flag (--ca, --cert, --key) or the config key (publish.ca, publish.cert, publish.key).
 */
export function readTlsFiles(files: TlsFiles, names: TlsNames = FLAG_NAMES): TlsMaterial {
  const read = (k: keyof TlsFiles): Buffer | undefined => {
    const f = files[k];
    if (f === undefined) return undefined;
    try {
      return readFileSync(f);
    } catch (e) {
      const line = errorLine(e);
      throw new SpanmapError('bad_config', `${names[k]}: ${line.startsWith(f) ? line : `${f}: ${line}`}`);
    }
  };
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  for (const [k, pem] of [
    ['ca', ca],
    ['cert', cert],
  ] as const) {
    if (!pem) continue;
    try {
      new X509Certificate(pem);
    } catch {
      throw new SpanmapError('bad_config', `${names[k]}: ${files[k]} is not a PEM certificate`);
    }
  }
  if (key && !cert) throw new SpanmapError('bad_config', `${names.key}: a private key without its certificate (${names.cert})`);
  if (cert && !key) throw new SpanmapError('bad_config', `${names.cert}: a client certificate without its private key (${names.key})`);
  if (cert && key) {
    let ok: boolean;
    try {
      ok = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
    } catch {
      throw new SpanmapError('bad_config', `${names.key}: ${files.key} is not an unencrypted PEM private key`);
    }
    if (!ok) throw new SpanmapError('bad_config', `${names.key}: ${files.key} is not the key of the certificate ${files.cert}`);
  }
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
