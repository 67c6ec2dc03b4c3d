import { useState } from 'preact/hooks';
import { useApp } from '../../context.js';
import type { Policy, PolicyCheck } from '../../api.js';
import { ErrorBox } from '../../components/common.js';
import { ruleText } from '../policy-format.js';

/**
 * Policy check: would this version allow a connection (source, destination, protocol, port), and
 * by which rule — the question a change ticket asks, answered without reading the rules.
 */
export function Check({ policy }: { policy: Policy }) {
  const { api } = useApp();
  const [f, setF] = useState({ src: '', dst: '', proto: '6', port: '' });
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ asked: string; r: PolicyCheck } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const q = {
        src: f.src.trim(),
        dst: f.dst.trim(),
        proto: Number(f.proto),
        port: f.port.trim() === '' ? 0 : Number(f.port.trim()),
        version: policy.version,
      };
      const r = await api.checkPolicy(policy.id, q);
      setResult({ asked: `${q.src} → ${q.dst} ${f.proto === '6' ? 'tcp' : f.proto === '17' ? 'udp' : `proto ${f.proto}`} ${q.port}`, r });
    } catch (err) {
      setError(err as Error);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card policy-check" onSubmit={submit}>
      <div class="form-row">
        <strong>Policy check</strong>
        <input aria-label="check source" placeholder="source IP" value={f.src} onInput={set('src')} required />
        <span class="muted">→</span>
        <input aria-label="check destination" placeholder="destination IP" value={f.dst} onInput={set('dst')} required />
        <select aria-label="check protocol" value={f.proto} onChange={set('proto')}>
          <option value="6">tcp</option>
          <option value="17">udp</option>
          <option value="1">icmp</option>
          <option value="58">icmpv6</option>
        </select>
        <input aria-label="check port" class="port" placeholder="port (ICMP: type×256+code)" value={f.port} onInput={set('port')} inputMode="numeric" />
        <button class="btn" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Check'}
        </button>
      </div>
      <ErrorBox error={error} title="Could not check" />
      {result && (
        <p class="check-result" role="status">
          <span class={`badge ${result.r.allowed ? 'expected' : 'rejected'}`}>{result.r.allowed ? 'allowed' : 'denied'}</span> {result.asked}{' '}
          <span class="muted">
            ({result.r.srcSegment} → {result.r.dstSegment}, version {result.r.version}):
          </span>{' '}
          {result.r.rule ? (
            <>
              by <span class="mono">{ruleText(result.r.rule)}</span>
              {result.r.rule.comment ? <span class="muted small"> — {result.r.rule.comment}</span> : null}
            </>
          ) : (
            'no rule allows it; the default is deny'
          )}
        </p>
      )}
    </form>
  );
}
