import type { Counter } from 'prom-client';
import type { DurationHistogram, DurationSeries } from './duration-histogram';
import { cut } from './text';
import { METHODS, statusLabel } from './labels';
import { OVERFLOW_ROUTE, UNMATCHED_ROUTE } from './snapshot';
import type { Counts } from './window';

/** Figures of one method and route since start, for the snapshot. */
export interface RouteRow {
  readonly method: string;
  readonly route: string;
  requests: number;
  /** The series of the status this row saw last: most requests of a route get the same status. */
  lastStatus: number;
  lastSeries: DurationSeries | undefined;
  /** [5xx answers, then one count per histogram bucket, the last being +Inf]. */
  readonly counts: Counts;
}

/** One `http_route` value: its snapshot rows by method, its histogram children by method and status. */
export class RouteEntry {
  readonly rows: (RouteRow | undefined)[] = new Array<RouteRow | undefined>(METHODS.length);
  /** Histogram series by method and status (key method * 1000 + status). */
  readonly series = new Map<number, DurationSeries>();
  constructor(readonly route: string) {}
}

/**
 * Maps the router's route templates to entries, with a cap on distinct values: past it, every new
 * template goes to OVERFLOW_ROUTE (and is counted), so no amount of routes or raw paths grows memory
 * or series beyond the cap. Lookups of known templates are one Map.get.
 */
export class RouteTable {
  private readonly entries = new Map<string, RouteEntry>();
  readonly unmatched = new RouteEntry(UNMATCHED_ROUTE);
  readonly overflow = new RouteEntry(OVERFLOW_ROUTE);
  /** Snapshot rows of every entry, in creation order (the window keeps copies of their counts). */
  readonly rows: RouteRow[] = [];
  overflowed = 0;
  private distinct = 0;

  constructor(
    private readonly maxRoutes: number,
    private readonly bucketCount: number,
    private readonly histogram: DurationHistogram,
    private readonly overflowCounter: Counter<string>,
  ) {}

  entry(route: string | undefined): RouteEntry {
    if (route === undefined || route === '') return this.unmatched;
    const known = this.entries.get(route);
    if (known !== undefined) return known;
    return this.add(route);
  }

  private add(raw: string): RouteEntry {
    const route = cut(typeof raw === 'string' ? raw : String(raw));
    const known = this.entries.get(route);
    if (known !== undefined) return known;
    if (this.distinct >= this.maxRoutes) {
      this.overflowed++;
      this.overflowCounter.inc();
      return this.overflow;
    }
    this.distinct++;
    const entry = new RouteEntry(route);
    this.entries.set(route, entry);
    return entry;
  }

  row(entry: RouteEntry, method: number): RouteRow {
    let row = entry.rows[method];
    if (row === undefined) {
      row = {
        method: METHODS[method],
        route: entry.route,
        requests: 0,
        lastStatus: -1,
        lastSeries: undefined,
        counts: new Float64Array(this.bucketCount + 2),
      };
      entry.rows[method] = row;
      this.rows.push(row);
    }
    return row;
  }

  seriesOf(entry: RouteEntry, row: RouteRow, method: number, status: number): DurationSeries {
    if (row.lastStatus === status) return row.lastSeries!;
    const key = method * 1000 + status;
    let series = entry.series.get(key);
    if (series === undefined) {
      series = this.histogram.add(METHODS[method], entry.route, statusLabel(status));
      entry.series.set(key, series);
    }
    row.lastStatus = status;
    row.lastSeries = series;
    return series;
  }
}
