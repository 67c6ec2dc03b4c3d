import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertMessage } from './message.js';
import { describe } from './message.js';

/** The header that carries the body's signature. */
export const SIGNATURE_HEADER = 'X-Spanmap-Signature';

/** The JSON body of a webhook POST: `{"alerts":[…]}`, each alert with a `text` line for chat tools. */
export function webhookBody(messages: AlertMessage[]): string {
  return JSON.stringify({ alerts: messages.map((m) => ({ ...m, text: describe(m) })) });
}

/** `sha256=<hex HMAC-SHA256 of the body, keyed with the secret>`. */
export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does: recompute the signature over the raw body and compare in constant time. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signature(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}
