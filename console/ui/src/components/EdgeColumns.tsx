import type { EdgeRow } from '../api.js';
import { fmtBytes, fmtCompact, fmtInt, fmtTime, portLabel } from '../format.js';
import type { Column } from './VirtualTable.js';
import { InfraBadge, ReviewBadge } from './common.js';
import { HostCell } from './HostName.js';

/** Columns shared by the edge list, the long tail and the policy queues. */
export function edgeColumns<T extends EdgeRow>(): Column<T>[] {
  return [
    {
      id: 'src',
      label: 'Source',
      width: 170,
      grow: 1,
      sort: 'src',
      render: (r) => <HostCell ip={r.src} name={r.srcName} segment={r.srcSegment} />,
    },
    {
      id: 'dst',
      label: 'Destination',
      width: 170,
      grow: 1,
      sort: 'dst',
      render: (r) => <HostCell ip={r.dst} name={r.dstName} segment={r.dstSegment} />,
    },
    { id: 'port', label: 'Port', width: 96, sort: 'port', render: (r) => <span class="mono">{portLabel(r.proto, r.port)}</span> },
    {
      id: 'service',
      label: 'Service',
      width: 120,
      render: (r) => (
        <span>
          {r.service ?? <span class="muted">–</span>} <InfraBadge on={r.infrastructure} />
        </span>
      ),
    },
    { id: 'flows', label: 'Flows', width: 80, align: 'right', sort: 'flows', render: (r) => <span title={fmtInt(r.flows)}>{fmtCompact(r.flows)}</span> },
    { id: 'bytes', label: 'Bytes', width: 84, align: 'right', sort: 'bytes', render: (r) => fmtBytes(r.bytes) },
    {
      id: 'packets',
      label: 'Packets',
      width: 80,
      align: 'right',
      sort: 'packets',
      render: (r) => <span title={fmtInt(r.packets)}>{fmtCompact(r.packets)}</span>,
    },
    { id: 'days', label: 'Days', width: 56, align: 'right', sort: 'daysSeen', title: 'days with traffic in the window', render: (r) => fmtInt(r.daysSeen) },
    { id: 'first', label: 'First seen', width: 150, sort: 'firstSeen', render: (r) => <span class="small">{fmtTime(r.firstSeen).replace(' UTC', '')}</span> },
    { id: 'last', label: 'Last seen', width: 150, sort: 'lastSeen', render: (r) => <span class="small">{fmtTime(r.lastSeen).replace(' UTC', '')}</span> },
    {
      id: 'period',
      label: 'Period',
      width: 90,
      render: (r) =>
        r.period ? (
          <span title={r.periodNote ?? (r.nextExpected ? `next expected ${fmtTime(r.nextExpected)}` : '')}>{r.period}</span>
        ) : r.periodNote ? (
          <span class="muted" title={r.periodNote}>
            ?
          </span>
        ) : (
          <span class="muted">–</span>
        ),
    },
    { id: 'review', label: 'Review', width: 100, render: (r) => <ReviewBadge review={r.review} /> },
  ];
}

/** Rows as CSV (what is loaded), for spreadsheets and tickets. */
export function edgesCsv(rows: readonly EdgeRow[]): string {
  const head = [
    'src',
    'srcName',
    'dst',
    'dstName',
    'proto',
    'port',
    'srcSegment',
    'dstSegment',
    'service',
    'infrastructure',
    'flows',
    'packets',
    'bytes',
    'firstSeen',
    'lastSeen',
    'daysSeen',
    'period',
    'nextExpected',
    'review',
    'reviewNote',
    'reviewedBy',
  ];
  const esc = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    // Text from the wire (names) or people (notes) never starts a spreadsheet formula.
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = rows.map((r) =>
    [
      r.src,
      r.srcName,
      r.dst,
      r.dstName,
      r.proto,
      r.port,
      r.srcSegment,
      r.dstSegment,
      r.service,
      r.infrastructure,
      r.flows,
      r.packets,
      r.bytes,
      new Date(r.firstSeen).toISOString(),
      new Date(r.lastSeen).toISOString(),
      r.daysSeen,
      r.period,
      r.nextExpected ? new Date(r.nextExpected).toISOString() : '',
      r.review?.status ?? '',
      r.review?.note ?? '',
      r.review?.by ?? '',
    ]
      .map(esc)
      .join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

/** Saves a Blob as a file (an object URL on a temporary link; nothing inline, CSP-safe). */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
