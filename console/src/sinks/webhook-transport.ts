import * as http from 'node:http';
import * as https from 'node:https';
import type { WebhookSink } from './types.js';
import type { AlertMessage } from './message.js';
import type { Transport } from './syslog-transport.js';
import { SIGNATURE_HEADER, signature, webhookBody } from './webhook-format.js';
import { SinkError } from './backoff.js';

const VERSION = '0.1.0';

/**
 * Webhook delivery: one signed JSON POST per call, acknowledged only by a 2xx answer (redirects
 * are not followed: a 3xx is a failure, so a moved receiver shows on the Alerts page). A fresh
 * connection per POST (agent: false): alerts are rare, and nothing is left open after stop().
 */
export class WebhookTransport implements Transport {
  private readonly url: URL;

  constructor(private readonly cfg: WebhookSink) {
    this.url = new URL(cfg.url);
  }

  send(messages: AlertMessage[], signal: AbortSignal): Promise<void> {
    const body = Buffer.from(webhookBody(messages));
    const u = this.url;
    const lib = u.protocol === 'https:' ? https : http;
    return new Promise<void>((resolve, reject) => {
      const req = lib.request(
        u,
        {
          method: 'POST',
          agent: false,
          signal,
          timeout: this.cfg.timeoutMs,
          ...(u.protocol === 'https:' && this.cfg.ca ? { ca: this.cfg.ca } : {}),
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'user-agent': `spanmap/${VERSION}`,
            [SIGNATURE_HEADER]: signature(this.cfg.secret, body),
          },
        },
        (res) => {
          res.resume(); // the answer's body is not ours to read
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve();
          else reject(new SinkError(code >= 500 ? 'http_5xx' : code >= 400 ? 'http_4xx' : 'http_other', `HTTP ${code} ${res.statusMessage ?? ''}`.trim()));
        },
      );
      req.on('timeout', () => req.destroy(new SinkError('timeout', `no answer within ${this.cfg.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {}
}
