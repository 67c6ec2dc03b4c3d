/** Heatmap colour scale for the segment matrix: log scale over a sequential palette. Pure. */

/** A perceptually ordered palette (light to dark), sampled from a viridis-like ramp. */
export const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [247, 252, 240],
  [224, 243, 219],
  [204, 235, 197],
  [168, 221, 181],
  [123, 204, 196],
  [78, 179, 211],
  [43, 140, 190],
  [8, 104, 172],
  [8, 64, 129],
  [8, 29, 88],
];

/** Position of `value` on a log scale from 0 (none) to 1 (max); values ≤ 0 give 0. */
export function logScale(value: number, max: number): number {
  if (!(value > 0) || !(max > 0)) return 0;
  const t = Math.log1p(value) / Math.log1p(max);
  return Math.min(1, Math.max(0, t));
}

function lerp(a: number, b: number, t: number): number {
  return Math.round(a + (b - a) * t);
}

/** Colour at position t in [0, 1] (linear interpolation between palette stops). */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (PALETTE.length - 1);
  const i = Math.min(PALETTE.length - 2, Math.floor(x));
  const f = x - i;
  const a = PALETTE[i]!;
  const b = PALETTE[i + 1]!;
  return `rgb(${lerp(a[0], b[0], f)}, ${lerp(a[1], b[1], f)}, ${lerp(a[2], b[2], f)})`;
}

export interface CellStyle {
  background: string;
  color: string;
}

/** Background and readable text colour for a cell; empty cells are neutral. */
export function heatStyle(value: number, max: number): CellStyle {
  if (!(value > 0)) return { background: 'transparent', color: 'inherit' };
  // Never fully white: a cell with traffic must be distinguishable from an empty one.
  const t = 0.08 + 0.92 * logScale(value, max);
  return { background: rampColor(t), color: t > 0.55 ? '#ffffff' : '#10202e' };
}

/** Legend stops: values at evenly spaced positions of the log scale (for the colour key). */
export function legendStops(max: number, n = 5): number[] {
  if (!(max > 0)) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round(Math.expm1((Math.log1p(max) * i) / (n - 1))));
  return out;
}
