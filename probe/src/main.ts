import { UsageError } from '@spanmap/shared';

// Each command is imported when it runs: `probe read` never loads what `probe run` needs.

export const PROBE_USAGE = `usage: spanmap probe <command> [options]

commands:
  read FILE...      turn pcap/pcapng files into flow records (JSON lines), or publish them
  listen            receive NetFlow v5/v9 and IPFIX and print flow records (JSON lines)
  run --config FILE the live probe: capture on interfaces (libpcap), flow records out
  send              publish what waits in a probe's store to the console, then exit

Run "spanmap probe <command> --help" for the options of a command.`;

export async function probeMain(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'read':
      return (await import('./cli/read.js')).readMain(rest);
    case 'listen':
      return (await import('./cli/listen.js')).listenMain(rest);
    case 'run':
      return (await import('./cli/run.js')).runMain(rest);
    case 'send':
      return (await import('./cli/send.js')).sendMain(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(PROBE_USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`probe: unknown command "${cmd}"`);
  }
}
