/**
 * Host names learned passively from the wire (DESIGN "Additions (turn 2)", Names), or set by an
 * operator. A probe sends NameObservations in its summary batches; the console keeps, per
 * address, which name it had over which time range.
 */
export type NameSource = 'operator' | 'dns' | 'dhcp' | 'netbios' | 'mdns' | 'tls';
export const NAME_SOURCES: readonly NameSource[] = ['operator', 'dns', 'dhcp', 'netbios', 'mdns', 'tls'];
/** The sources a probe learns from (the operator's names are set on the console). */
export type LearnedSource = Exclude<NameSource, 'operator'>;
export const LEARNED_SOURCES: readonly LearnedSource[] = ['dns', 'dhcp', 'netbios', 'mdns', 'tls'];

/** One name seen for one address at one time (packet time, ms). */
export interface NameObservation {
  ip: string;
  name: string;
  source: LearnedSource;
  time: number;
}

/** Longest name accepted: a DNS name's 253 characters in text form. */
export const MAX_NAME_LENGTH = 253;

/**
 * Why a name is not acceptable, or null when it is: at most 253 characters in labels of 1-63,
 * printable ASCII without spaces or control characters (names are data, shown as text, never
 * markup; a trailing dot is removed by normalizeName first).
 */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.length > MAX_NAME_LENGTH) return `name of ${name.length} characters exceeds ${MAX_NAME_LENGTH} (the longest a DNS name can be)`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u0020\u007f-\uffff]/.test(name)) return 'names are printable ASCII without spaces';
  for (const label of name.split('.')) {
    if (label.length === 0) return 'empty label (two dots in a row, or a leading dot)';
    if (label.length > 63) return `label "${label.slice(0, 20)}…" is longer than 63 characters`;
  }
  return null;
}

/** Lower case, no trailing dot: the form names are compared and stored in. */
export function normalizeName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}
