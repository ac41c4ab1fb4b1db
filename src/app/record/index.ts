export { incidentReport, incidentEvents } from './incident.js';
export { createReportWriter, ROLLBACK_END_TYPES, type ReportWriter } from './report-writer.js';
export { followNotifications, startNotifications, type NotificationOptions } from './notifications.js';
export { targetsFor } from './targets.js';
