import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildScenario } from './scenario.js';
import { CONVERSATION_COLUMNS, parseTruth, readTruth, scenarioTruth, truthToJson, writeTruth } from './truth.js';
import { tmpDir } from './test-util/oracle.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

describe('truth JSON', () => {
  it('round-trips through the compact file format', () => {
    const truth = scenarioTruth(buildScenario({ days: 0.5, scale: 0.3, seed: 2, vlans: true }));
    const path = join(tmp.dir, 't.json');
    writeTruth(path, truth);
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(truthToJson(truth));
    const raw = JSON.parse(text) as { conversationColumns: string[]; conversations: unknown[][]; format: string };
    expect(raw.format).toBe('spanmap-scenario-truth');
    expect(raw.conversationColumns).toEqual([...CONVERSATION_COLUMNS]);
    expect(raw.conversations).toHaveLength(truth.conversations.length);
    expect(raw.conversations[0]).toHaveLength(CONVERSATION_COLUMNS.length);
    expect(readTruth(path)).toEqual(truth);
    expect(parseTruth(text).conversations[5]).toEqual(truth.conversations[5]);
    expect(() => parseTruth('{"format":"other"}')).toThrow(/not a spanmap/);
  });
});
