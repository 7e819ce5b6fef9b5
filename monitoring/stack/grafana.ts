/** Grafana provisioning: the Prometheus datasource (fixed uid) and the file dashboard provider. */
export const DATASOURCE_UID = 'jobstack-prometheus';

/**
 * The Grafana docker-compose.monitoring.yml runs, and the dashboard schema it understands: a
 * dashboard newer than its Grafana is loaded without migrations (schema 39 = Grafana 10.4-11.2).
 * Raise both together.
 */
export const GRAFANA_IMAGE = 'grafana/grafana:11.2.2';
export const GRAFANA_SCHEMA_VERSION = 39;

export function datasourceProvisioning(prometheusUrl: string, scrapeInterval: string): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: DATASOURCE_UID,
        type: 'prometheus',
        access: 'proxy',
        url: prometheusUrl,
        isDefault: true,
        editable: false,
        // Matches the scrape interval so $__rate_interval is at least four scrapes.
        jsonData: { timeInterval: scrapeInterval, httpMethod: 'POST' },
      },
    ],
  };
}

export function dashboardProvisioning(): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'jobstack',
        folder: 'jobstack',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: false },
      },
    ],
  };
}
