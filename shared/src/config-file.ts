import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SpanmapError, errorLine } from './errors.js';

// Reading a component's YAML config file, shared by the probe and the console. The YAML parser
// (about 70 modules, 30-45 ms of start-up) is loaded on first use: commands without a config
// file (`probe read`) never load it.

type Yaml = typeof import('yaml');
let yaml: Yaml | null = null;

/** The `yaml` package, loaded on first use. */
export function yamlModule(): Yaml {
  return (yaml ??= createRequire(import.meta.url)('yaml') as Yaml);
}

/** Every problem found in a configuration, one line each (`file: key: problem`). */
export class ConfigError extends SpanmapError {
  constructor(readonly problems: string[]) {
    super('bad_config', problems.length > 1 ? `${problems[0]} (and ${problems.length - 1} more; run with --check to list them)` : problems[0]!);
  }
}

/** The file's YAML as plain data (an empty file is {}); unreadable files and syntax errors are ConfigErrors with line:column. */
export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([errorLine(e)]);
  }
  const doc = yamlModule().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const where = (e: (typeof doc.errors)[number]) => (e.linePos ? `${e.linePos[0].line}:${e.linePos[0].col}:` : '');
    throw new ConfigError(doc.errors.map((e) => `${file}:${where(e)} ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`));
  }
  return doc.toJS() ?? {};
}
