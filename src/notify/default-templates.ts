/**
 * The built-in message templates, one title and one text per event
 * type of the vocabulary. `{{name}}` is replaced by a variable (see
 * `templateVariables` in templates.ts); a missing one renders as an empty string.
 * Keys are the event type for the text and `<type>.title` for the title;
 * `customer.*` are the customer-facing messages a status page shows.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<string, string>> = {
  'deploy.started.title': 'Deploying {{service}} {{version}} to {{environment}}',
  'deploy.started':
    '{{service}} {{version}} (revision {{revision}}) is being deployed to {{environment}} by {{actor}} with the {{strategy}} strategy.',
  'deploy.ready.title': '{{service}} revision {{revision}} is ready in {{environment}}',
  'deploy.ready': 'Revision {{revision}} of {{service}} passed its readiness checks in {{environment}}.',
  'deploy.promoted.title': '{{service}} {{version}} is live in {{environment}}',
  'deploy.promoted':
    '{{service}} {{version}} (revision {{revision}}) passed analysis and is now the live release in {{environment}}.',
  'deploy.failed.title': 'Deploy of {{service}} failed in {{environment}}',
  'deploy.failed': 'Revision {{revision}} of {{service}} never became ready in {{environment}}: {{reason}}',

  'trigger.fired.title': '{{severity}}: {{trigger}} fired for {{service}} in {{environment}}',
  'trigger.fired':
    '{{metric}} = {{value}}, {{op}} the threshold {{threshold}} over {{window}} ({{samples}} samples) on revision {{revision}}.',
  'decision.made.title': 'Decision for {{service}} in {{environment}}: {{action}}',
  'decision.made': 'Rule {{rule}} decided to {{action}}: {{reason}} {{approveCommand}}',

  'rollback.initiated.title': 'Rolling back {{service}} in {{environment}}: {{fromVersion}} → {{toVersion}}',
  'rollback.initiated':
    '{{kind}} rollback {{rollbackId}} started by {{actor}}: {{service}} {{fromVersion}} (revision {{fromRevision}}) → {{toVersion}} (revision {{toRevision}}). Reason: {{reason}}. Steps: {{steps}}.',
  'rollback.step-started.title': '{{service}} rollback: {{step}}',
  'rollback.step-started': 'Step {{stepNumber}} ({{name}}) of rollback {{rollbackId}} started: {{step}}.',
  'rollback.step-finished.title': '{{service}} rollback: {{name}} {{status}}',
  'rollback.step-finished':
    'Step {{stepNumber}} ({{name}}) of rollback {{rollbackId}} ended {{status}} in {{duration}}.',
  'rollback.step-failed.title': '{{service}} rollback: step {{name}} failed',
  'rollback.step-failed': 'Step {{stepNumber}} ({{name}}) of rollback {{rollbackId}} failed: {{error}}',
  'rollback.traffic-restored.title': 'Traffic for {{service}} is back on revision {{toRevision}}',
  'rollback.traffic-restored':
    'All traffic of {{service}} in {{environment}} is on revision {{toRevision}} again (rollback {{rollbackId}}).',
  'rollback.completed.title': 'Rolled back {{service}} in {{environment}} to {{toVersion}}',
  'rollback.completed':
    'Rollback {{rollbackId}} of {{service}} completed in {{duration}}: {{toVersion}} (revision {{toRevision}}) is live and stable. Failed requests: {{failedRequests}} of {{totalRequests}}.{{impactLine}}',
  'rollback.escalated.title': 'ESCALATED: rollback of {{service}} in {{environment}} needs a human',
  'rollback.escalated': 'Rollback {{rollbackId}} of {{service}} stopped and needs a human: {{reason}}{{impactLine}}',
  'rollback.failed.title': 'FAILED: rollback of {{service}} in {{environment}}',
  'rollback.failed': 'Rollback {{rollbackId}} of {{service}} failed: {{error}}',

  'approval.requested.title': 'Approval needed: roll back {{service}} in {{environment}}?',
  'approval.requested':
    'Approval {{approvalId}} for {{service}} in {{environment}} is waiting until {{deadline}} (on timeout: {{onTimeout}}). Reason: {{reason}}. Approve: {{approveCommand}} · Reject: {{rejectCommand}}',
  'approval.approved.title': 'Approved by {{by}}: rollback of {{service}}',
  'approval.approved': '{{by}} approved {{approvalId}} for {{service}} in {{environment}}. {{reason}}',
  'approval.rejected.title': 'Rejected by {{by}}: rollback of {{service}}',
  'approval.rejected': '{{by}} rejected {{approvalId}} for {{service}} in {{environment}}. {{reason}}',
  'approval.timeout.title': 'Approval timed out for {{service}} in {{environment}}',
  'approval.timeout':
    'Nobody answered approval {{approvalId}} in time; doing what the policy says on timeout: {{onTimeout}}.',

  'drill.started.title': 'Drill started in {{environment}}: {{fault}}',
  'drill.started': 'A rollback drill injecting "{{fault}}" into {{service}} in {{environment}} has started.',
  'drill.finished.title': 'Drill finished in {{environment}}: {{outcome}}',
  'drill.finished':
    'Drill "{{fault}}" on {{service}}: {{outcome}}. Detected after {{detectedAfter}}, traffic restored after {{trafficRestoredAfter}}. Targets missed: {{targetsMissed}}.',
  'target.missed.title': 'Recovery target missed for {{service}} in {{environment}}: {{target}}',
  'target.missed': '{{target}} took {{measuredDuration}}; the target is {{targetDuration}} (rollback {{rollbackId}}).',

  'customer.initiated.title': 'Degraded service: {{service}}',
  'customer.initiated':
    'We detected a problem with {{service}} and are restoring the previous version. Next update when service is restored.',
  'customer.escalated.title': 'Degraded service: {{service}}',
  'customer.escalated': 'We are still working on the problem with {{service}}. Our engineers are investigating.',
  'customer.completed.title': 'Resolved: {{service}}',
  'customer.completed': 'The problem with {{service}} has been resolved; service was restored at {{time}}.',

  'default.title': '{{type}}: {{service}} {{environment}}',
  default: '{{message}}',
};

/** Short names accepted in options for the two messages people customise most. */
export const TEMPLATE_ALIASES: Readonly<Record<string, string>> = {
  initiated: 'rollback.initiated',
  'initiated.title': 'rollback.initiated.title',
  completed: 'rollback.completed',
  'completed.title': 'rollback.completed.title',
  customer: 'customer.initiated',
  'customer.title': 'customer.initiated.title',
};
