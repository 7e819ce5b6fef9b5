/** Grafana provisioning: the Prometheus datasource (fixed uid) and the file dashboard provider. */
export const DATASOURCE_UID = 'jobstack-prometheus';

export function datasourceProvisioning(prometheusUrl: string): Record<string, unknown> {
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
        jsonData: { timeInterval: '15s', httpMethod: 'POST' },
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
