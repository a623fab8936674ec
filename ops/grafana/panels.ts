// Small builders for Grafana dashboard JSON (schemaVersion 39), so every generated dashboard has the same shape.

/** Every panel queries the datasource chosen in the dashboard's `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Target {
  expr: string;
  legend?: string;
}

export interface PanelOptions {
  title: string;
  description?: string;
  unit?: string;
  targets: Target[];
  /** Grid width (of 24) and height; panels flow left to right, top to bottom. */
  w?: number;
  h?: number;
  min?: number;
  max?: number;
  /** Threshold steps after the base step: [value, color]. */
  thresholds?: [number, string][];
  /** Colour below the first threshold (default green). */
  base?: string;
  mappings?: unknown[];
  stacked?: boolean;
}

export type Panel = Record<string, unknown>;

function targets(list: Target[]) {
  return list.map((t, i) => ({
    datasource: DATASOURCE,
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    range: true,
    refId: String.fromCharCode(65 + i),
  }));
}

function fieldConfig(o: PanelOptions, custom: Record<string, unknown>) {
  return {
    defaults: {
      unit: o.unit ?? 'short',
      ...(o.min === undefined ? {} : { min: o.min }),
      ...(o.max === undefined ? {} : { max: o.max }),
      color: { mode: o.thresholds ? 'thresholds' : 'palette-classic' },
      thresholds: {
        mode: 'absolute',
        steps: [
          { color: o.base ?? 'green', value: null },
          ...(o.thresholds ?? []).map(([value, color]) => ({ color, value })),
        ],
      },
      mappings: o.mappings ?? [],
      custom,
    },
    overrides: [],
  };
}

/** A time series panel. */
export function timeseries(o: PanelOptions): Panel {
  return {
    type: 'timeseries',
    title: o.title,
    description: o.description ?? '',
    datasource: DATASOURCE,
    fieldConfig: fieldConfig(o, {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: o.stacked ? 30 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: o.stacked ? 'normal' : 'none', group: 'A' },
    }),
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: targets(o.targets),
    w: o.w ?? 12,
    h: o.h ?? 8,
  };
}

/** A single-value stat panel (last value, background coloured by thresholds). */
export function stat(o: PanelOptions): Panel {
  return {
    type: 'stat',
    title: o.title,
    description: o.description ?? '',
    datasource: DATASOURCE,
    fieldConfig: fieldConfig(o, {}),
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'area',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode: 'auto',
    },
    targets: targets(o.targets),
    w: o.w ?? 6,
    h: o.h ?? 5,
  };
}

/** A state timeline (for breaker and key states). */
export function stateTimeline(o: PanelOptions): Panel {
  return {
    type: 'state-timeline',
    title: o.title,
    description: o.description ?? '',
    datasource: DATASOURCE,
    fieldConfig: fieldConfig(o, { fillOpacity: 70, lineWidth: 0 }),
    options: {
      mergeValues: true,
      showValue: 'auto',
      alignValue: 'left',
      rowHeight: 0.9,
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
    },
    targets: targets(o.targets),
    w: o.w ?? 12,
    h: o.h ?? 8,
  };
}

/** A collapsible row header. */
export function row(title: string): Panel {
  return { type: 'row', title, collapsed: false, panels: [], w: 24, h: 1 };
}

export interface Variable {
  name: string;
  label: string;
  /** label_values(...) query. */
  query: string;
}

export interface DashboardOptions {
  uid: string;
  title: string;
  description: string;
  panels: Panel[];
  variables?: Variable[];
  time?: string;
}

/** Assembles a dashboard: lays panels out on the 24-column grid and numbers them. */
export function dashboard(o: DashboardOptions): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowH = 0;
  const panels = o.panels.map((p, i) => {
    const { w, h, ...rest } = p as Panel & { w: number; h: number };
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const placed = { id: i + 1, gridPos: { x, y, w, h }, ...rest };
    x += w;
    rowH = Math.max(rowH, h);
    return placed;
  });
  const variables = (o.variables ?? []).map((v) => ({
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: DATASOURCE,
    query: { query: v.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    definition: v.query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    sort: 1,
    hide: 0,
  }));
  return {
    uid: o.uid,
    title: o.title,
    description: o.description,
    tags: ['parley'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    timezone: 'browser',
    time: { from: o.time ?? 'now-6h', to: 'now' },
    timepicker: {},
    annotations: { list: [] },
    links: [
      {
        title: 'Parley dashboards',
        type: 'dashboards',
        tags: ['parley'],
        asDropdown: true,
        includeVars: false,
        keepTime: true,
      },
    ],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        ...variables,
      ],
    },
    panels,
  };
}
