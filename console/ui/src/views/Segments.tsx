import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { useAsync } from '../hooks.js';
import { ApiError, type SegmentDef } from '../api.js';
import { fmtInt } from '../format.js';
import { Busy, Empty, ErrorBox } from '../components/common.js';
import { emptyDraft, items, locateError, toBody, toDraft, type FieldError, type SegmentDraft } from './segments-model.js';

/** Segment definitions: CIDRs, VLANs and host lists, validated by the API on save. */
export function SegmentsView() {
  const { api, toast } = useApp();
  const server = useAsync((s) => api.segments(s), [api]);
  const [drafts, setDrafts] = useState<SegmentDraft[] | null>(null);
  const [saving, setSaving] = useState<number>(0);
  const [fieldError, setFieldError] = useState<FieldError | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [filter, setFilter] = useState('');
  const [json, setJson] = useState<string | null>(null);
  const list = useRef<HTMLDivElement | null>(null);

  useEffect(() => {
    if (server.data && drafts === null) setDrafts(server.data.map(toDraft));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
  }, [server.data]);

  const dirty = useMemo(
    () => drafts !== null && server.data !== undefined && JSON.stringify(toBody(drafts)) !== JSON.stringify(toBody(server.data.map(toDraft))),
    [drafts, server.data],
  );

  // Show the segment an error names.
  useEffect(() => {
    if (fieldError?.index === null || fieldError === null || !list.current) return;
    const uid = drafts?.[fieldError.index]?.uid;
    const el = list.current.querySelector(`[data-uid="${uid}"]`);
    el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are the intended triggers
  }, [fieldError]);

  const edit = (uid: number, patch: Partial<SegmentDraft>) => setDrafts((ds) => ds!.map((d) => (d.uid === uid ? { ...d, ...patch } : d)));

  const save = async (body: unknown[]) => {
    setSaving(Date.now());
    setFieldError(null);
    setError(null);
    try {
      const saved = await api.putSegments(body);
      server.set(saved);
      setDrafts(saved.map(toDraft));
      setJson(null);
      toast(
        `Saved ${fmtInt(saved.length)} segment${saved.length === 1 ? '' : 's'}. The matrix is recomputed from the stored host edges; nothing is re-ingested.`,
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) setFieldError(locateError(e.field, e.message));
      else setError(e as Error);
    } finally {
      setSaving(0);
    }
  };

  const saveJson = () => {
    let body: unknown;
    try {
      body = JSON.parse(json ?? '');
    } catch (e) {
      setFieldError({ index: null, field: null, item: null, message: `not valid JSON: ${(e as Error).message}` });
      return;
    }
    void save(body as unknown[]);
  };

  const f = filter.trim().toLowerCase();
  const shown = (drafts ?? [])
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => !f || d.name.toLowerCase().includes(f) || d.cidrs.includes(f) || d.hosts.includes(f));

  return (
    <main class="page segments-page">
      <div class="toolbar">
        <h2>Segments</h2>
        <label class="field inline">
          <span class="field-label">Find</span>
          <input type="search" value={filter} placeholder="name, CIDR or host" onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        </label>
        <span class="muted">{drafts ? `${fmtInt(drafts.length)} segments` : ''}</span>
        <div class="spacer" />
        {json === null ? (
          <>
            <button class="btn small ghost" disabled={!drafts} onClick={() => setJson(JSON.stringify(toBody(drafts ?? []), null, 2))}>
              Edit as JSON
            </button>
            <button class="btn small" disabled={!drafts} onClick={() => setDrafts((ds) => [...(ds ?? []), emptyDraft()])}>
              Add segment
            </button>
            <button class="btn small ghost" disabled={!dirty || saving > 0} onClick={() => (setDrafts(server.data!.map(toDraft)), setFieldError(null))}>
              Discard changes
            </button>
            <button class="btn primary" disabled={!drafts || saving > 0} onClick={() => save(toBody(drafts!))}>
              {saving ? 'Saving…' : dirty ? 'Save changes' : 'Save'}
            </button>
          </>
        ) : (
          <>
            <button class="btn small ghost" onClick={() => (setJson(null), setFieldError(null))}>
              Back to the form
            </button>
            <button class="btn primary" disabled={saving > 0} onClick={saveJson}>
              {saving ? 'Saving…' : 'Save JSON'}
            </button>
          </>
        )}
      </div>
      <p class="muted small">
        An address belongs to the segment that names the host, else the longest matching CIDR, else (for site-local addresses) the VLAN it was seen on.
        Addresses in no segment are <em>unassigned</em> (private ranges) or <em>external</em>. One item per line, or separated by commas.
      </p>
      <ErrorBox error={server.error} onRetry={server.reload} />
      <ErrorBox error={error} title="The segments were not saved" />
      {saving > 0 && <Busy since={saving} label="Saving segments" />}
      {fieldError && (fieldError.index === null || json !== null) && (
        <div class="error" role="alert">
          <strong>Not saved: </strong>
          {fieldError.index !== null && (
            <span class="mono">
              segments[{fieldError.index}]{fieldError.field ? `.${fieldError.field}` : ''}
              {fieldError.item !== null ? `[${fieldError.item}]` : ''}:{' '}
            </span>
          )}
          <span class="error-msg">{fieldError.message}</span>
        </div>
      )}
      {fieldError && fieldError.index !== null && json === null && (
        <div class="error" role="alert">
          <strong>Not saved:</strong> a problem in “{drafts?.[fieldError.index]?.name || `segment ${fieldError.index + 1}`}” (shown below).
        </div>
      )}
      {server.loading && <Busy since={server.since} label="Loading segments" />}
      {json !== null && (
        <textarea
          class="json-edit mono"
          aria-label="segments as JSON"
          spellcheck={false}
          value={json}
          onInput={(e) => setJson((e.target as HTMLTextAreaElement).value)}
        />
      )}
      {json === null && drafts && drafts.length === 0 && (
        <Empty title="No segments defined">
          Add your segments (for example <code>web</code>: <code>10.10.1.0/24</code>, VLAN <code>110</code>) so the matrix groups hosts the way your network is
          built. Until then every address is <em>unassigned</em> or <em>external</em>.
        </Empty>
      )}
      {json === null && drafts && drafts.length > 0 && (
        <div class="seg-list" ref={list}>
          <div class="seg-row seg-head">
            <span>Name</span>
            <span>CIDRs</span>
            <span>VLANs</span>
            <span>Hosts</span>
            <span />
          </div>
          {shown.map(({ d, i }) => (
            <SegmentEditor
              key={d.uid}
              draft={d}
              error={fieldError?.index === i ? fieldError : null}
              onEdit={(p) => edit(d.uid, p)}
              onRemove={() => setDrafts((ds) => ds!.filter((x) => x.uid !== d.uid))}
            />
          ))}
        </div>
      )}
    </main>
  );
}

function SegmentEditor({
  draft,
  error,
  onEdit,
  onRemove,
}: {
  draft: SegmentDraft;
  error: FieldError | null;
  onEdit(p: Partial<SegmentDraft>): void;
  onRemove(): void;
}) {
  const msg = (field: FieldError['field']) => {
    if (!error || error.field !== field) return null;
    const list = field === 'cidrs' || field === 'vlans' || field === 'hosts' ? items(draft[field]) : [];
    const item = error.item !== null ? list[error.item] : undefined;
    const which = item !== undefined && !error.message.includes(item) ? `“${item}”: ` : '';
    return (
      <div class="field-error" role="alert">
        {which}
        {error.message}
      </div>
    );
  };
  const bad = (field: FieldError['field']) => (error && error.field === field ? 'invalid' : '');
  return (
    <div class={`seg-row${error ? ' has-error' : ''}`} data-uid={draft.uid} data-segment={draft.name}>
      <div>
        <input
          class={bad('name')}
          aria-label="segment name"
          value={draft.name}
          placeholder="name"
          onInput={(e) => onEdit({ name: (e.target as HTMLInputElement).value })}
          aria-invalid={!!bad('name')}
        />
        {msg('name')}
        {error && error.field === null && (
          <div class="field-error" role="alert">
            {error.message}
          </div>
        )}
      </div>
      <div>
        <textarea
          class={`mono ${bad('cidrs')}`}
          aria-label={`CIDRs of ${draft.name}`}
          rows={Math.min(6, Math.max(2, items(draft.cidrs).length))}
          value={draft.cidrs}
          placeholder="none (e.g. 10.10.1.0/24)"
          onInput={(e) => onEdit({ cidrs: (e.target as HTMLTextAreaElement).value })}
          aria-invalid={!!bad('cidrs')}
        />
        {msg('cidrs')}
      </div>
      <div>
        <input
          class={`mono ${bad('vlans')}`}
          aria-label={`VLANs of ${draft.name}`}
          value={draft.vlans}
          placeholder="none (e.g. 110, 111)"
          onInput={(e) => onEdit({ vlans: (e.target as HTMLInputElement).value })}
          aria-invalid={!!bad('vlans')}
        />
        {msg('vlans')}
      </div>
      <div>
        <textarea
          class={`mono ${bad('hosts')}`}
          aria-label={`hosts of ${draft.name}`}
          rows={Math.min(6, Math.max(2, items(draft.hosts).length))}
          value={draft.hosts}
          placeholder="none (IP addresses)"
          onInput={(e) => onEdit({ hosts: (e.target as HTMLTextAreaElement).value })}
          aria-invalid={!!bad('hosts')}
        />
        {msg('hosts')}
      </div>
      <div>
        <button class="btn small ghost" aria-label={`remove segment ${draft.name}`} title="remove this segment" onClick={onRemove}>
          ✕
        </button>
      </div>
    </div>
  );
}

export type { SegmentDef };
