import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What the dashboard tests read of a panel in the committed Grafana JSON. */
export type Panel = {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { expr: string; refId?: string; datasource?: { uid?: string } }[];
};

export interface CommittedDashboard {
  uid: string;
  title: string;
  panels: Panel[];
  schemaVersion: number;
  templating: { list: { name: string; type: string; current?: { value?: string } }[] };
}

/** A dashboard file as Grafana provisions it, from grafana/dashboards/. */
export function committedDashboard(file: string): CommittedDashboard {
  return JSON.parse(
    readFileSync(path.resolve(__dirname, '../../grafana/dashboards', file), 'utf8'),
  ) as CommittedDashboard;
}
