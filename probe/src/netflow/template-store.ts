import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { SpanmapError } from '@spanmap/shared';
import type { TemplatePersistence } from './collector.js';
import type { TemplateDef } from './types.js';

/**
 * NetFlow v9 and IPFIX templates in LMDB, so a collector restart decodes the exporters' data at
 * once instead of dropping it until each exporter resends its templates (minutes, on many
 * routers). Its own environment under `<data>/netflow-templates`, apart from the probe's record
 * store. Key: `<version>|<exporter>|<domain>|<template id>`; written only when a template is new
 * or changed (periodic refreshes are not rewritten); lmdb-js batches writes per event-loop turn.
 */
export class TemplateStore implements TemplatePersistence {
  private readonly db: RootDatabase<TemplateDef, string>;
  writes = 0;
  writeErrors = 0;

  private constructor(readonly path: string) {
    try {
      mkdirSync(path, { recursive: true });
      this.db = open<TemplateDef, string>({ path, compression: false });
    } catch (e) {
      throw new SpanmapError('io', `cannot open the template store in ${path}: ${(e as Error).message}`);
    }
  }

  static open(dataDir: string): TemplateStore {
    return new TemplateStore(join(dataDir, 'netflow-templates'));
  }

  /** Every saved template, grouped by scope (as Collector.restore takes them). */
  load(): Map<string, TemplateDef[]> {
    const out = new Map<string, TemplateDef[]>();
    for (const { key, value } of this.db.getRange()) {
      const cut = key.lastIndexOf('|');
      if (cut < 0 || !isTemplate(value)) continue;
      const scope = key.slice(0, cut);
      const list = out.get(scope);
      if (list) list.push(value);
      else out.set(scope, [value]);
    }
    return out;
  }

  save(scope: string, def: TemplateDef): void {
    this.writes++;
    this.db.put(`${scope}|${def.id}`, def).catch(() => this.writeErrors++);
  }

  remove(scope: string, id: number): void {
    this.writes++;
    this.db.remove(`${scope}|${id}`).catch(() => this.writeErrors++);
  }

  /** Waits for pending writes and closes the environment. */
  async close(): Promise<void> {
    try {
      await this.db.committed;
    } finally {
      await this.db.close();
    }
  }
}

function isTemplate(v: unknown): v is TemplateDef {
  const t = v as TemplateDef;
  return (
    !!t &&
    typeof t.id === 'number' &&
    typeof t.scopeCount === 'number' &&
    Array.isArray(t.fields) &&
    t.fields.every((f) => typeof f.id === 'number' && typeof f.pen === 'number' && typeof f.length === 'number')
  );
}
