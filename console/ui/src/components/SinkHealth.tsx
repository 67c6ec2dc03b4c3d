import { useEffect } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { fmtInt, fmtTime } from '../format.js';
import { ErrorBox } from './common.js';

/** Where alerts go and whether they get there: each sink's state, queue, deliveries and failures. */
export function SinkHealthPanel() {
  const { api } = useApp();
  const sinks = useAsync((s) => api.alertSinks(s), [api], { keepData: true });
  useEffect(() => {
    const t = setInterval(sinks.reload, 10_000);
    return () => clearInterval(t);
  }, [sinks.reload]);
  const list = sinks.data ?? [];
  return (
    <section class="card sink-health" aria-label="alert delivery">
      <h3>Delivery</h3>
      <ErrorBox error={sinks.error} onRetry={sinks.reload} />
      {sinks.data && list.length === 0 && (
        <p class="muted small">No sinks configured: alerts stay in this page. Add syslog or webhook sinks under alerts.sinks in console.yaml.</p>
      )}
      {list.length > 0 && (
        <table class="grid sinks">
          <thead>
            <tr>
              <th>Sink</th>
              <th>State</th>
              <th>Queued</th>
              <th>Delivered</th>
              <th>Failed attempts</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => {
              const failed = Object.entries(s.failures);
              return (
                <tr key={s.name} data-sink={s.name}>
                  <td>
                    <strong>{s.name}</strong>
                    <div class="muted small mono">
                      {s.type} {s.target}
                    </div>
                  </td>
                  <td>
                    <span class={`badge ${s.state === 'ok' ? 'online' : 'offline'}`}>{s.state === 'ok' ? 'delivering' : 'failing'}</span>
                    {s.nextAttemptAt && <div class="muted small">next try {fmtTime(s.nextAttemptAt, true)}</div>}
                  </td>
                  <td class="sink-queued">{fmtInt(s.queued)}</td>
                  <td>
                    {fmtInt(s.delivered)}
                    {s.lastDeliveredAt && <div class="muted small">last {fmtTime(s.lastDeliveredAt, true)}</div>}
                  </td>
                  <td class="sink-failures">{failed.length ? failed.map(([r, n]) => `${r} ${fmtInt(n)}`).join(', ') : '0'}</td>
                  <td class="small">
                    {s.lastError ?? <span class="muted">none</span>}
                    {s.lastErrorAt && <div class="muted">{fmtTime(s.lastErrorAt, true)}</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
