import { useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { href, linkHandler } from '../router.js';
import { fmtInt, fmtTime } from '../format.js';
import { Busy, ErrorBox } from './common.js';
import { HostLabel, SourceBadge } from './HostName.js';

/**
 * One address: every name it had (the operator's first, then learned ones newest first, with
 * their time ranges), and the operator's name to set or remove (the learned name then shows
 * again). Edits are audited by the console.
 */
export function HostPanel({ ip, onChanged, onClose }: { ip: string; onChanged(): void; onClose(): void }) {
  const { api, toast } = useApp();
  const hist = useAsync((s) => api.hosts({ ip, limit: 1000 }, s), [api, ip]);
  const rows = hist.data?.rows ?? [];
  const operator = rows.find((r) => r.source === 'operator') ?? null;
  const now = rows.find((r) => r.name !== null && r.validUntil === null) ?? null;
  const [name, setName] = useState<string | null>(null);
  const value = name ?? operator?.name ?? '';
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<Error | null>(null);

  const save = async (next: string | null) => {
    setBusy(Date.now());
    setError(null);
    try {
      const r = await api.putNames([{ ip, name: next }]);
      toast(next === null ? `Removed the operator name of ${ip}` : r.set ? `${ip} is now named ${next}` : `${ip} was already named ${next}`);
      setName(null);
      onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(0);
    }
  };

  const edges = { host: ip, range: 'all' };
  return (
    <section class="detail" aria-label="host detail">
      <header class="detail-head">
        <h3>
          <HostLabel ip={ip} name={now?.name ?? null} />
        </h3>
        <button class="btn small ghost" onClick={onClose} aria-label="close host detail">
          ✕
        </button>
      </header>
      <p>
        <a href={href('/edges', edges)} onClick={linkHandler('/edges', edges)}>
          Edges of this address
        </a>
        {rows[0] && <span class="muted"> · segment {rows[0].segment}</span>}
      </p>
      <h4>Operator name</h4>
      <form
        class="name-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save(value.trim());
        }}
      >
        <input
          aria-label="operator name"
          value={value}
          placeholder={now && now.source !== 'operator' ? `learned: ${now.name}` : 'e.g. pay-db-2.corp.example'}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
          maxLength={253}
        />
        <button class="btn primary small" type="submit" disabled={busy > 0 || value.trim() === '' || value.trim() === operator?.name}>
          Save name
        </button>
        {operator && (
          <button class="btn small" type="button" disabled={busy > 0} onClick={() => void save(null)} title="the learned name shows again">
            Remove operator name
          </button>
        )}
      </form>
      <p class="muted small">An operator’s name wins over names learned from the wire, at every time. Removing it lets the learned name show again.</p>
      <ErrorBox error={error} title="The name was not saved" />
      {busy > 0 && <Busy since={busy} label="Saving" />}
      <h4>Names over time</h4>
      <ErrorBox error={hist.error} onRetry={hist.reload} />
      {hist.loading && !hist.data && <Busy since={hist.since} label="Loading names" />}
      {hist.data && rows.every((r) => r.name === null) && <p class="muted">Never named: no name seen on the wire, none set by an operator.</p>}
      <ol class="history">
        {rows
          .filter((r) => r.name !== null)
          .map((r, i) => (
            <li key={i}>
              <span class="host-name">{r.name}</span> <SourceBadge source={r.source} />
              <div class="muted small">
                {r.source === 'operator'
                  ? `set ${fmtTime(r.firstSeen)}${r.by ? ` by ${r.by}` : ''}`
                  : `from ${fmtTime(r.firstSeen)} · last seen ${fmtTime(r.lastSeen)} · ${r.validUntil ? `until ${fmtTime(r.validUntil)}` : 'holds'} · ${fmtInt(r.observations)} observation${r.observations === 1 ? '' : 's'}`}
              </div>
            </li>
          ))}
      </ol>
    </section>
  );
}
