import { useCallback, useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useSize } from '../hooks.js';

export interface ChartProps {
  /** Options for a given width (height is `height`); read once, when the chart is created. */
  options: (width: number, height: number) => uPlot.Options;
  data: uPlot.AlignedData;
  height: number;
  /** Accessible description of what the chart shows. */
  label: string;
  class?: string;
}

/**
 * The one uPlot wrapper: creates the chart once (when its box has a width), then only feeds it
 * through setData and setSize, and destroys it on unmount. Give it a new `key` to change what it
 * plots (series, axes). Marks itself data-drawn once uPlot has drawn (tests wait for it).
 */
export function Chart({ options, data, height, label, class: cls }: ChartProps) {
  const [sizeRef, size] = useSize<HTMLDivElement>();
  const host = useRef<HTMLDivElement | null>(null);
  const plot = useRef<uPlot | null>(null);
  const opts = useRef(options);
  opts.current = options;
  const setRef = useCallback(
    (el: HTMLDivElement | null) => {
      host.current = el;
      sizeRef(el);
    },
    [sizeRef],
  );

  // Create once, as soon as there is room.
  useEffect(() => {
    if (plot.current || !host.current || size.width === 0) return;
    const o = opts.current(size.width, height);
    const el = host.current;
    const drawn = (u: uPlot) => u.root.parentElement?.setAttribute('data-drawn', 'true');
    o.hooks = { ...o.hooks, draw: [...(o.hooks?.draw ?? []), drawn] };
    plot.current = new uPlot(o, data, el);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [size.width]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  useEffect(() => {
    if (plot.current && size.width > 0) plot.current.setSize({ width: size.width, height });
  }, [size.width, height]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  return <div class={`chart ${cls ?? ''}`} role="img" aria-label={label} ref={setRef} />;
}
