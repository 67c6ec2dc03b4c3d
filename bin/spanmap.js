#!/usr/bin/env node
// The one `spanmap` command: dispatches to the probe, console, demo and scenario entry points.
// Each loads only what it needs, so `spanmap probe read` starts fast.
const [cmd, ...rest] = process.argv.slice(2);

const USAGE = `usage: spanmap <command> [options]

commands:
  probe read|listen|run   the probe: read captures, receive NetFlow/IPFIX, capture live
  console                 the console: ingest, matrix, analysis, policy, web UI
  demo                    console + probe replaying a generated multi-week scenario
  scenario                generate a realistic capture with exact ground truth

Run "spanmap <command> --help" for details.`;

async function main() {
  switch (cmd) {
    case 'probe':
      return (await import('../probe/dist/main.js')).probeMain(rest);
    case 'console':
      return (await import('../console/dist/main.js')).consoleMain(rest);
    case 'demo':
      return (await import('../console/dist/demo.js')).demoMain(rest);
    case 'scenario':
      return (await import('../scenario/dist/cli.js')).scenarioMain(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    case '--version':
      process.stdout.write('spanmap 0.1.0\n');
      return 0;
    default:
      process.stderr.write(`spanmap: unknown command "${cmd}"\n${USAGE}\n`);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code ?? 0;
  },
  async (e) => {
    // Coded errors (bad input, bad config, usage) are one line; anything else is a bug.
    const { SpanmapError, UsageError } = await import('../shared/dist/index.js').catch(() => ({}));
    if (UsageError && e instanceof UsageError) {
      process.stderr.write(`spanmap: ${e.message}\nRun "spanmap ${cmd ?? ''} --help" for usage.\n`);
      process.exitCode = 2;
    } else if (SpanmapError && e instanceof SpanmapError) {
      process.stderr.write(`spanmap: ${e.message}\n`);
      process.exitCode = 1;
    } else if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write(`spanmap: not built yet (${e.message.split('\n')[0]}); run "make setup"\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`spanmap: internal error: ${e && e.message ? e.message : e}\n`);
      if (process.env.SPANMAP_DEBUG) process.stderr.write(`${e && e.stack}\n`);
      process.exitCode = 70;
    }
  },
);
