import { createRequire } from 'node:module';

// node-netflowv9 (CommonJS, untyped) decodes NetFlow v5 and v9 records. We use its decoding
// functions, not its collector: the collector binds its own socket (no receive-buffer control,
// no drop accounting) and keys templates by exporter address:port only. So we build a decoder
// context on its prototype (`nf9PktDecode` reads `this.templates`, `this.nfTypes`, `this.nfScope`)
// and hand it datagrams that our own checks (netflow-v9.ts, netflow-v5.ts) have made safe.

const require = createRequire(import.meta.url);

/** A record as node-netflowv9 returns it: snake_case field names (normalize.ts maps them). */
export type NfRecord = Record<string, unknown> & { isOption?: boolean; fsId?: number };

export interface NfPacket {
  header: Record<string, number>;
  flows: NfRecord[];
}

interface NfDecoderContext {
  templates: Record<string, Record<number, unknown>>;
  nfTypes: Record<number, { name: string; compileRule: Record<number, string> }>;
  nfScope: Record<number, { name: string; compileRule: Record<number, string> }>;
  nf5PktDecode(msg: Buffer, rinfo: { address: string; port: number }): NfPacket;
  nf9PktDecode(msg: Buffer, rinfo: { address: string; port: number }): NfPacket;
}

const NetFlowV9 = require('node-netflowv9') as { prototype: object };
const types = require('node-netflowv9/js/nf9/nftypes.js') as Pick<NfDecoderContext, 'nfTypes' | 'nfScope'>;

/** One decoder context: its own template table and (mutable) type tables. */
export class NfDecoder {
  private readonly ctx: NfDecoderContext;

  constructor() {
    const ctx = Object.create(NetFlowV9.prototype) as NfDecoderContext;
    ctx.templates = {};
    // The library adds entries for unknown field types as it meets them: our own copy.
    ctx.nfTypes = structuredClone(types.nfTypes);
    ctx.nfScope = structuredClone(types.nfScope);
    // Its interface scope decodes as a UTF-8 string; it is an ifIndex, which sampling needs as a number.
    ctx.nfScope[2] = { name: 'scope_interface', compileRule: ctx.nfTypes[1]!.compileRule };
    this.ctx = ctx;
  }

  /**
   * Decodes a NetFlow v9 packet. `scope` names the template table: we pass exporter address and
   * source id, because v9 template ids are only unique per source id (RFC 3954 section 5.1).
   */
  v9(msg: Buffer, scope: string): NfPacket {
    return this.ctx.nf9PktDecode(msg, { address: scope, port: 0 });
  }

  v5(msg: Buffer): NfPacket {
    return this.ctx.nf5PktDecode(msg, { address: '', port: 0 });
  }

  /** Removes one template id from a scope (nothing in NetFlow v9 withdraws, but a malformed redefinition must not leave the old layout behind). */
  dropTemplate(scope: string, id: number): void {
    const t = this.ctx.templates[`${scope}:0`];
    if (t) delete t[id];
  }
}
