import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { SpanmapError, errorLine } from './errors.js';

// Reading a component's YAML config file, shared by the probe and the console. Imported as
// '@spanmap/shared/config-file' so commands without a config never load the YAML parser.

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
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const where = (e: (typeof doc.errors)[number]) => (e.linePos ? `${e.linePos[0].line}:${e.linePos[0].col}:` : '');
    throw new ConfigError(doc.errors.map((e) => `${file}:${where(e)} ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`));
  }
  return doc.toJS() ?? {};
}
