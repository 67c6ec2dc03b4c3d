import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { jsonBody, queryParams } from '../params.js';
import { requireEditor } from '../auth.js';
import { validateSegments, type SegmentDef } from '../../segments/segments.js';

export interface SegmentDeps {
  getSegments(): SegmentDef[];
  setSegments(defs: SegmentDef[], by: string): Promise<void>;
}

export function segmentRoutes(api: Hono<AppEnv>, deps: SegmentDeps): void {
  api.get('/segments', (c) => {
    queryParams(c, []);
    return c.json(deps.getSegments());
  });
  api.put('/segments', requireEditor(), async (c) => {
    const defs = validateSegments(await jsonBody(c));
    await deps.setSegments(defs, c.get('principal').name);
    return c.json(defs);
  });
}
