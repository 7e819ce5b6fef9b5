import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../monitoring/config';
import { DASHBOARD_UID, overviewDashboard } from '../../monitoring/dashboards/overview';
import { DATASOURCE_UID, GRAFANA_IMAGE, GRAFANA_SCHEMA_VERSION } from '../../monitoring/stack/grafana';
import { committedDashboard } from './committed-dashboard';

const committed = committedDashboard('jobstack-overview.json');
const panels = committed.panels.filter((p) => p.type !== 'row');
const rows = committed.panels.filter((p) => p.type === 'row');

describe('jobstack overview dashboard', () => {
  test('stable uid and title; the committed JSON is the build output', () => {
    expect(committed.uid).toBe(DASHBOARD_UID);
    expect(committed.title).toBe('jobstack overview');
    expect(JSON.parse(JSON.stringify(overviewDashboard(defaultConfig)))).toEqual(committed);
  });

  test('the schema is the one the compose Grafana image understands; every query has a unique refId', () => {
    expect(committed.schemaVersion).toBe(GRAFANA_SCHEMA_VERSION);
    // The API dashboard is provisioned by the same Grafana.
    const api = committedDashboard('jobstack-api.json');
    expect(api.schemaVersion).toBe(GRAFANA_SCHEMA_VERSION);
    for (const p of api.panels) expect((p.targets ?? []).every((t) => t.refId)).toBe(true);
    const compose = readFileSync(path.resolve(__dirname, '../../docker-compose.monitoring.yml'), 'utf8');
    expect(compose).toContain(`image: ${GRAFANA_IMAGE}\n`);
    for (const p of panels) {
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect({ panel: p.title, refIds }).toEqual({
        panel: p.title,
        refIds: refIds.map(() => expect.stringMatching(/^[A-Z]+$/)),
      });
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });

  test('14 panels with unique ids', () => {
    expect(panels).toHaveLength(14);
    const ids = committed.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('variables datasource, instance and queue; the datasource defaults to the provisioned uid', () => {
    const vars = committed.templating.list;
    expect(vars.map((v) => v.name)).toEqual(['datasource', 'instance', 'queue']);
    expect(vars[0]).toMatchObject({ type: 'datasource', current: { value: DATASOURCE_UID } });
  });

  test('every panel: unit, description, the datasource variable, at least one query', () => {
    for (const p of panels) {
      expect({ title: p.title, unit: p.fieldConfig?.defaults?.unit }).toEqual({
        title: p.title,
        unit: expect.any(String),
      });
      expect(p.description?.length ?? 0).toBeGreaterThan(20);
      expect(p.datasource?.uid).toBe('${datasource}');
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe('${datasource}');
    }
  });

  test('rates use $__rate_interval and never apply to a gauge', () => {
    const gauges =
      /rate\((?:bullmq_jobs|bullmq_queue_\w+|redis_memory\w+|redis_connected_clients|pg_stat_activity_count|host_load1|host_memory\w+|host_filesystem\w+|s3_objects\w*|localstorage\w+)\{/;
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        for (const m of t.expr.matchAll(/\brate\([^[]+\[([^\]]+)\]/g)) expect(m[1]).toBe('$__rate_interval');
        expect(t.expr).not.toMatch(gauges);
      }
    }
  });

  test('no overlapping panels; rows start at full width; equal heights within a row', () => {
    const cells = new Set<string>();
    for (const p of committed.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const key = `${i},${j}`;
          expect({ panel: p.title, cell: key, taken: cells.has(key) }).toEqual({
            panel: p.title,
            cell: key,
            taken: false,
          });
          cells.add(key);
        }
      }
    }
    for (const r of rows) expect(r.gridPos).toMatchObject({ x: 0, w: 24, h: 1 });
    const byY = new Map<number, Set<number>>();
    for (const p of panels) byY.set(p.gridPos.y, (byY.get(p.gridPos.y) ?? new Set()).add(p.gridPos.h));
    for (const heights of byY.values()) expect(heights.size).toBe(1);
  });
});
