import { SpanmapError } from '@spanmap/shared';

/**
 * Called once per captured packet. `data[off .. off+caplen)` is the frame; it is only valid
 * during the call (the buffer is reused). `linktype` is the LINKTYPE_ value of its interface,
 * `ifIndex` the interface within the file. The packet's timestamp (ms, fractional) is in the
 * reader's `clock[0]`: passing it as an argument would box a double for every packet.
 */
export type PacketHandler = (data: Uint8Array, off: number, caplen: number, wirelen: number, linktype: number, ifIndex: number) => void;

/** A capture file that cannot be read (further): names the file and, once reading began, the byte offset. */
export class CaptureFileError extends SpanmapError {
  readonly file: string;
  readonly offset: number | null;
  readonly problem: string;
  constructor(file: string, offset: number | null, problem: string) {
    super('bad_input', offset === null ? `${file}: ${problem}` : `${file}: ${problem} at byte ${offset}`, { file, offset });
    this.name = 'CaptureFileError';
    this.file = file;
    this.offset = offset;
    this.problem = problem;
  }
}

export interface CaptureInterface {
  linktype: number;
  name: string | null;
  snaplen: number;
}

/** Largest record we accept, as libpcap and Wireshark do (bigger means a corrupt length field). */
export const MAX_RECORD = 262144;
