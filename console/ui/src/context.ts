import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api.js';
import type { DataExtent, Preset, Range } from './range.js';

export interface AppContext {
  api: Api;
  /** Where the stored flows start and end. */
  extent: DataExtent;
  /** The analysis window chosen in the header (whole UTC days). */
  range: Range;
  preset: Preset;
  /** Re-reads the data extent (after new data arrived). */
  refreshExtent(): void;
  /** A short message at the bottom of the screen (successes, background failures). */
  toast(message: string, kind?: 'ok' | 'error'): void;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useApp outside the app');
  return c;
}
