import { useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync, useNow } from '../hooks.js';
import { setQuery, useLocation } from '../router.js';
import type { ProbeRow } from '../api.js';
import { fmtAgo, fmtBytes, fmtDuration, fmtInt, fmtPercent, fmtTime } from '../format.js';
import { counterRates, frameWindow } from '../charts/rates.js';
import { probeBacklogOptions, probeRateOptions } from '../charts/options.js';
import { Chart } from '../components/Chart.js';
import type { AlignedData } from 'uplot';
import { Busy, Empty, ErrorBox, Stat } from '../components/common.js';

const WINDOWS: Array<[string, string, number]> = [
  ['1h', 'last hour', 3_600_000],
  ['6h', 'last 6 hours', 6 * 3_600_000],
  ['24h', 'last 24 hours', 24 * 3_600_000],
  ['7d', 'last 7 days', 7 * 86_400_000],
];

/** Probes: status, online/offline, ingest rate and drops over time, backlog, last seen. Live. */
export function ProbesView() {
  const { api } = useApp();
  const q = useLocation().query;
  const probes = useAsync((s) => api.probes(s), [api], { keepData: true });
  const now = useNow(5000);
  // Live: refresh every 10 s (status snapshots arrive about that often).
  useEffect(() => {
    const t = setInterval(probes.reload, 10_000);
    return () => clearInterval(t);
  }, [probes.reload]);

  const list = probes.data ?? [];
  const selectedId = q.get('probe') ?? list[0]?.id ?? null;
  const sel = list.find((p) => p.id === selectedId) ?? null;

  return (
    <main class="page">
      <div class="toolbar">
        <h2>Probes</h2>
        <span class="muted small">refreshes every 10 s{probes.loading && probes.data ? ' · refreshing…' : ''}</span>
      </div>
      <ErrorBox error={probes.error} onRetry={probes.reload} />
      {!probes.data && probes.loading && <Busy since={probes.since} label="Loading probes" />}
      {probes.data && list.length === 0 && (
        <Empty title="No probes yet">
          <p>Nothing has been ingested. Replay a capture through a probe:</p>
          <pre class="cmd">spanmap probe read FILE.pcap --publish mqtt://CONSOLE-HOST:1883 --probe-id ID --data /var/lib/spanmap-probe</pre>
          <p>
            or run one on a SPAN port with <code>spanmap probe run --config probe.yaml</code>. Probes appear here once the console has ingested their first
            batch.
          </p>
        </Empty>
      )}
      {list.length > 0 && (
        <table class="grid probes">
          <thead>
            <tr>
              <th>Probe</th>
              <th>State</th>
              <th>Last seen</th>
              <th>Newest flow</th>
              <th class="right">Flows</th>
              <th class="right">Packets</th>
              <th class="right">Bytes</th>
              <th class="right">Drops</th>
              <th class="right" title="host names this probe learned from the wire (DNS, DHCP, NetBIOS, mDNS, TLS)">
                Names
              </th>
              <th class="right" title="share of its records that another probe also saw: where mirror ports overlap">
                Overlap
              </th>
              <th class="right">Backlog</th>
              <th>Version · uptime</th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr
                key={p.id}
                class={p.id === selectedId ? 'active' : ''}
                onClick={() => setQuery({ probe: p.id }, true)}
                tabIndex={0}
                onKeyDown={(e) => e.key === 'Enter' && setQuery({ probe: p.id }, true)}
              >
                <td class="mono">{p.id}</td>
                <td>
                  <span class={`badge ${p.online ? 'online' : 'offline'}`}>{p.online ? 'online' : 'offline'}</span>
                </td>
                <td title={fmtTime(p.lastSeen, true)}>{fmtAgo(p.lastSeen, now)}</td>
                <td title="flow time of the newest data ingested">{p.lastFlow ? fmtTime(p.lastFlow) : '–'}</td>
                <td class="right">{fmtInt(p.flows)}</td>
                <td class="right">{fmtInt(p.packets)}</td>
                <td class="right">{fmtBytes(p.bytes)}</td>
                <td class="right">{dropsText(p)}</td>
                <td class="right">{fmtInt(p.names)}</td>
                <td class="right" title={overlapText(p)}>
                  {p.overlap.probes.length ? fmtPercent(p.overlap.share) : '–'}
                </td>
                <td class="right">{p.status ? `${fmtInt(p.status.backlog.batches)} batches` : '–'}</td>
                <td class="small">{p.status ? `${p.status.version} · ${fmtDuration(p.status.uptimeSec * 1000)}` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sel && <ProbeDetail probe={sel} now={now} refreshTick={probes.data} />}
    </main>
  );
}

function dropsText(p: ProbeRow): string {
  const c = p.status?.capture;
  if (!c) return '–';
  if (c.drops === null && c.ifDrops === null) return 'unknown';
  return fmtInt((c.drops ?? 0) + (c.ifDrops ?? 0));
}

function overlapText(p: ProbeRow): string {
  if (p.overlap.probes.length === 0) return 'no other probe saw its conversations';
  return p.overlap.probes.map((o) => `${fmtPercent(o.share, 1)} also seen by ${o.probe}`).join('; ');
}

/** Where this probe's view overlaps other probes' (the same conversations mirrored to both). */
function Overlap({ probe }: { probe: ProbeRow }) {
  const o = probe.overlap;
  return (
    <div class="card probe-overlap">
      <h4>Names and overlap</h4>
      <p>
        <strong>{fmtInt(probe.names)}</strong> host names learned from the wire
        {probe.status?.names ? ` (probe status: ${fmtInt(probe.status.names.learned)} learned, ${fmtInt(probe.status.names.errors)} payloads skipped)` : ''}.
      </p>
      {o.probes.length === 0 ? (
        <p class="muted">No other probe saw the conversations this probe delivered: its mirror ports do not overlap another probe’s.</p>
      ) : (
        <>
          <p>{fmtPercent(o.share, 1)} of its records were also seen by another probe: those mirror ports see the same traffic (counted once in the matrix).</p>
          <ul class="overlap-list">
            {o.probes.map((x) => (
              <li key={x.probe}>
                <span class="mono">{x.probe}</span>: {fmtInt(x.records)} records ({fmtPercent(x.share, 1)})
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function ProbeDetail({ probe, now, refreshTick }: { probe: ProbeRow; now: number; refreshTick: unknown }) {
  const { api } = useApp();
  const q = useLocation().query;
  const win = WINDOWS.find((w) => w[0] === q.get('window')) ?? WINDOWS[2]!;
  const [to, setTo] = useState(Date.now());
  // Follow the live list's refreshes.
  useEffect(() => setTo(Date.now()), [refreshTick]);
  const from = to - win[2];
  const hist = useAsync((s) => api.probeHistory(probe.id, from, to + 60_000, s), [api, probe.id, win[0], to], { keepData: true });
  const rates = useMemo(() => (hist.data ? counterRates(hist.data) : null), [hist.data]);
  const s = probe.status;
  const dropsKnown = !!s && (s.capture.drops !== null || s.capture.ifDrops !== null);
  const rateData = useMemo(
    () => (rates ? (frameWindow(rates.t, [rates.packets, ...(dropsKnown ? [rates.drops] : [])], from / 1000, to / 1000) as unknown as AlignedData) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
    [rates, dropsKnown],
  );
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
  const backlogData = useMemo(() => (rates ? (frameWindow(rates.t, [rates.backlog], from / 1000, to / 1000) as unknown as AlignedData) : null), [rates]);
  const last = rates && rates.packets.length ? rates.packets.filter((v) => v !== null).slice(-1)[0] : null;

  return (
    <section class="probe-detail">
      <div class="toolbar">
        <h3>
          Probe <span class="mono">{probe.id}</span>
        </h3>
        <div class="seg-toggle" role="group" aria-label="history window">
          {WINDOWS.map(([id, label]) => (
            <button
              key={id}
              class={`btn small ${win[0] === id ? 'on' : ''}`}
              aria-pressed={win[0] === id}
              onClick={() => setQuery({ window: id === '24h' ? null : id }, true)}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      <div class="stats">
        <Stat label="state" value={<span class={`badge ${probe.online ? 'online' : 'offline'}`}>{probe.online ? 'online' : 'offline'}</span>} />
        <Stat label="packets/s now" value={last !== null && last !== undefined ? fmtInt(last) : '–'} />
        <Stat label="captured" value={s ? fmtInt(s.capture.packets) : '–'} title="packets captured since the probe started" />
        <Stat label="kernel drops" value={s ? (s.capture.drops === null ? 'unknown' : fmtInt(s.capture.drops)) : '–'} />
        <Stat label="interface drops" value={s ? (s.capture.ifDrops === null ? 'unknown' : fmtInt(s.capture.ifDrops)) : '–'} />
        <Stat label="decode errors" value={s ? fmtInt(s.capture.decodeErrors) : '–'} />
        <Stat
          label="backlog"
          value={s ? `${fmtInt(s.backlog.batches)} / ${fmtInt(s.backlog.records)}` : '–'}
          title="batches / records waiting for the console's acknowledgement"
        />
        <Stat label="oldest waiting" value={s?.backlog.oldest ? fmtAgo(s.backlog.oldest, now) : '–'} />
        <Stat label="dropped (disk budget)" value={s ? fmtInt(s.dropped.records) : '–'} />
        <Stat
          label="batches · duplicates"
          value={`${fmtInt(probe.batches)} · ${fmtInt(probe.duplicateBatches)}`}
          title="batches ingested, and batches received again (acknowledged, not counted twice)"
        />
      </div>
      <Overlap probe={probe} />
      <ErrorBox error={hist.error} onRetry={hist.reload} />
      {!hist.data && hist.loading && <Busy since={hist.since} label="Loading history" />}
      {hist.data && hist.data.length === 0 && (
        <Empty title={`No status from ${probe.id} in the ${win[1]}`}>
          Probes send a status snapshot about every 10 s while they run. Pick a longer window, or check that the probe is running and can reach the broker.
        </Empty>
      )}
      {rateData && hist.data && hist.data.length > 0 && (
        <div class="chart-grid">
          <div>
            <h4>Ingest rate and drops</h4>
            {!dropsKnown && <p class="muted small">This probe's capture backend cannot count drops (unknown, not zero).</p>}
            <Chart
              key={`${probe.id}:rate:${dropsKnown}`}
              label={`packets per second and drops of probe ${probe.id}`}
              height={200}
              data={rateData}
              options={(w, h) => probeRateOptions({ width: w, height: h, dropsKnown })}
            />
          </div>
          <div>
            <h4>Backlog</h4>
            <Chart
              key={`${probe.id}:backlog`}
              label={`backlog of probe ${probe.id}`}
              height={200}
              data={backlogData!}
              options={(w, h) => probeBacklogOptions({ width: w, height: h })}
            />
          </div>
        </div>
      )}
    </section>
  );
}
