import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { setQuery } from '../router.js';
import { useDebounced } from '../hooks.js';

/** Edge filters that live in the URL (shareable, back-button friendly). */
export const EDGE_FILTER_KEYS = ['segment', 'srcSegment', 'dstSegment', 'host', 'proto', 'port', 'service', 'review', 'infrastructure', 'minFlows'] as const;
export type FilterKey = (typeof EDGE_FILTER_KEYS)[number];

/** The API query for the filters in `q` (numbers and booleans parsed; bad values left to the API to refuse). */
export function edgeFilterQuery(q: URLSearchParams, keys: readonly FilterKey[] = EDGE_FILTER_KEYS): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of keys) {
    const v = q.get(k);
    if (v !== null && v !== '') out[k] = v;
  }
  return out;
}

/** A text box that writes its value into the URL after a pause (or on Enter). */
export function QueryInput({
  name,
  value,
  placeholder,
  label,
  width,
  list,
}: {
  name: string;
  value: string;
  placeholder?: string;
  label: string;
  width?: string;
  list?: string;
}) {
  const [v, setV] = useState(value);
  const d = useDebounced(v, 500);
  useEffect(() => setV(value), [value]);
  useEffect(() => {
    if (d !== value) setQuery({ [name]: d.trim() || null }, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [d]);
  return (
    <label class="field inline">
      <span class="field-label">{label}</span>
      <input
        type="search"
        name={name}
        value={v}
        placeholder={placeholder}
        list={list}
        style={width ? { width } : undefined}
        onInput={(e) => setV((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') setQuery({ [name]: v.trim() || null }, true);
        }}
      />
    </label>
  );
}

export function QuerySelect({ name, value, label, options }: { name: string; value: string; label: string; options: Array<[string, string]> }) {
  return (
    <label class="field inline">
      <span class="field-label">{label}</span>
      <select name={name} value={value} onChange={(e) => setQuery({ [name]: (e.target as HTMLSelectElement).value || null }, true)}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

export const REVIEW_OPTIONS: Array<[string, string]> = [
  ['', 'any'],
  ['none', 'unreviewed'],
  ['expected', 'expected'],
  ['investigate', 'investigate'],
  ['rejected', 'rejected'],
];

export const INFRA_OPTIONS: Array<[string, string]> = [
  ['', 'any'],
  ['true', 'infrastructure only'],
  ['false', 'hide infrastructure'],
];

export const PROTO_OPTIONS: Array<[string, string]> = [
  ['', 'any'],
  ['6', 'tcp'],
  ['17', 'udp'],
  ['1', 'icmp'],
  ['58', 'icmpv6'],
];

/** Service names the console knows (for the service filter's suggestions). */
export const KNOWN_SERVICES = [
  'dns',
  'ntp',
  'ldap',
  'ldaps',
  'kerberos',
  'snmp',
  'syslog',
  'dhcp',
  'ssh',
  'http',
  'https',
  'smb',
  'rdp',
  'postgresql',
  'mysql',
  'mssql',
  'oracle',
  'redis',
  'smtp',
  'imap',
  'ping',
];

export function ServiceList() {
  return (
    <datalist id="services">
      {KNOWN_SERVICES.map((s) => (
        <option key={s} value={s} />
      ))}
    </datalist>
  );
}

/**
 * The edge filters the Edges and Long tail views share, each a query parameter; `children` (a
 * view's own filters) go between the service and the review filters.
 */
export function EdgeFilterFields({
  q,
  segOptions,
  servicePlaceholder,
  children,
}: {
  q: URLSearchParams;
  segOptions: Array<[string, string]>;
  servicePlaceholder: string;
  children?: ComponentChildren;
}) {
  return (
    <>
      <QuerySelect name="segment" label="Segment (either side)" value={q.get('segment') ?? ''} options={segOptions} />
      <QuerySelect name="srcSegment" label="From segment" value={q.get('srcSegment') ?? ''} options={segOptions} />
      <QuerySelect name="dstSegment" label="To segment" value={q.get('dstSegment') ?? ''} options={segOptions} />
      <QueryInput name="host" label="Host" value={q.get('host') ?? ''} placeholder="IP or name prefix" width="10em" />
      <QuerySelect name="proto" label="Proto" value={q.get('proto') ?? ''} options={PROTO_OPTIONS} />
      <QueryInput name="port" label="Port" value={q.get('port') ?? ''} placeholder="443" width="5em" />
      <QueryInput name="service" label="Service" value={q.get('service') ?? ''} placeholder={servicePlaceholder} list="services" width="7em" />
      {children}
      <QuerySelect name="review" label="Review" value={q.get('review') ?? ''} options={REVIEW_OPTIONS} />
      <QuerySelect name="infrastructure" label="Infrastructure" value={q.get('infrastructure') ?? ''} options={INFRA_OPTIONS} />
    </>
  );
}
