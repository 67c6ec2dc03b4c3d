import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../../context.js';
import type { ExportFormat, Policy } from '../../api.js';
import { fmtBytes, fmtInt } from '../../format.js';
import { download } from '../../components/EdgeColumns.js';
import { Busy, ErrorBox } from '../../components/common.js';

/** Downloads for enforcement points, with progress. */
const FORMATS: Array<[ExportFormat, string, string]> = [
  ['nftables', 'nftables', 'an nft ruleset (load with nft -f)'],
  ['iptables', 'iptables (IPv4)', 'iptables-restore input'],
  ['ip6tables', 'ip6tables (IPv6)', 'ip6tables-restore input'],
  ['csv', 'CSV', 'one rule per line, for review in a spreadsheet'],
  ['json', 'JSON', 'the policy as data'],
];

export function Export({ policy }: { policy: Policy }) {
  const { api, toast } = useApp();
  const [job, setJob] = useState<{ format: ExportFormat; since: number; got: number; total: number | null; ac: AbortController } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const jobRef = useRef(job);
  jobRef.current = job;
  useEffect(() => () => jobRef.current?.ac.abort(), []);
  const run = async (format: ExportFormat) => {
    const ac = new AbortController();
    setJob({ format, since: Date.now(), got: 0, total: null, ac });
    setError(null);
    try {
      const { blob, name } = await api.exportPolicy(policy.id, format, (got, total) => setJob((j) => (j ? { ...j, got, total } : j)), ac.signal);
      download(blob, name);
      toast(`Downloaded ${name} (${fmtBytes(blob.size)})`);
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(e as Error);
    } finally {
      setJob(null);
    }
  };
  return (
    <div class="export">
      <p>
        Export version {policy.version} ({fmtInt(policy.rules.length)} allow rules, default deny) for an enforcement point. Run it in monitor mode first.
      </p>
      <div class="export-list">
        {FORMATS.map(([f, label, what]) => (
          <div key={f} class="card export-item">
            <button class="btn" disabled={job !== null} onClick={() => run(f)}>
              Download {label}
            </button>
            <span class="muted small">{what}</span>
          </div>
        ))}
      </div>
      {job && (
        <div class="form-row">
          <Busy
            since={job.since}
            label={`Exporting ${job.format}`}
            detail={job.got ? `${fmtBytes(job.got)}${job.total ? ` of ${fmtBytes(job.total)}` : ''}` : undefined}
          />
          <button class="btn small" onClick={() => job.ac.abort()}>
            Cancel
          </button>
        </div>
      )}
      <ErrorBox error={error} title="The export failed" />
    </div>
  );
}
