/**
 * An alert from a team's monitoring, as every receiver hands it to the use case:
 * Alertmanager's, Grafana's and the generic webhook's payloads all become this.
 */
export interface IncomingAlert {
  source: 'alertmanager' | 'grafana' | 'generic';
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** epoch ms the alert started firing, as the monitoring system says */
  startsAt: number;
  /** epoch ms it resolved; null while firing */
  endsAt: number | null;
  /** stable per alert across repeated notifications (Alertmanager's fingerprint, or a hash of the labels) */
  fingerprint: string;
}
