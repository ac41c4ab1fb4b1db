/** The commented starter file `rewind init` writes; a test checks it validates. */
export const STARTER_CONFIG = `# rewind.yaml — your rollback runbook as config.
# Reference: docs/reference/configuration.md; editor schema: schema/rewind.schema.json
version: 1

controller:
  listen: 127.0.0.1:7070      # HTTP API of \`rewind serve\`
  stateDir: .rewind           # state.db, logs, releases, incident reports

environments:
  production:
    protected: false          # true: a manual undo needs a second person's approval
    confirm: true             # rewind undo asks "Roll back …? [y/N]" (or needs --yes)
  staging: {}

services:
  web:
    environments: [production]  # a local service serves one environment from its front door
    driver:
      type: local             # local processes behind Rewind's traffic switch
      command: ["node", "server.js", "--release", "{version}"]
      cwd: ./app
      env: { APP_VERSION: "{version}" }
      portEnv: PORT           # each instance gets a free port here
      instances: 2
      listen: 127.0.0.1:8080  # the service's front door (one environment per front door)
      stopTimeout: 10s
    strategy: bluegreen       # or canary (see canary.steps / canary.pause)
    rollbackWindow: 10m       # the previous release stays warm this long
    health:
      live: /health/live
      ready: /health/ready
      interval: 1s
      timeout: 1s
      failureThreshold: 3
    analysis:
      duration: 30s           # watched this long before promotion
    triggers:
      # runbook: "error rate > 10% → roll back". Sequential evidence decides as
      # soon as the requests make it conclusive (tens of requests at 50% errors)
      # and fires on a release within its threshold at most once in 1,000 watches.
      - metric: errorRate
        above: 0.10
        evidence: sequential
        falseAlarm: 0.001
        severity: high
      - metric: latencyP95Ms
        above: 5000
        evidence: sequential
        falseAlarm: 0.001
        severity: medium
      # runbook: "3+ consecutive health check failures → roll back"
      - metric: healthCheckFailures
        above: 2
        severity: critical
    # alerts your monitoring already raises, acted on by policy like the triggers above
    # (post them to /v1/alerts/alertmanager with a token from: rewind token create am --role receiver)
    # alerts:
    #   - match: { alertname: HighErrorRate, service: web }
    #     severity: critical        # default: the alert's severity label
    #   - matchRe: { alertname: "Latency.*" }
    #     mode: shadow              # recorded and listed by \`rewind policy shadow\`, never acted on

policy:
  automatic: true             # false: a fired trigger waits for \`rewind approve\`
  cooldownPeriod: 300s        # no second automatic rollback within this
  maximumRetries: 5

# Backups and recovery points (docs/backups.md): the leader takes a backup on the
# schedule, restores each one into a scratch database to prove it restores, keeps
# what \`keep\` says and warns once when the newest verified backup is older than rpo.
# databases:
#   main:
#     engine: postgres                      # or mysql, sqlite (url is then a file)
#     url: \${DATABASE_URL}
#     backups:
#       dir: .rewind/backups
#       schedule: "*/15 * * * *"            # cron; a sixth, first field is seconds
#       kind: full                          # or schema, or tables (with tables: [orders, …])
#       rpo: 1h                             # newest verified backup must be younger
#       rto: 30m                            # a verification restore must be faster
#       verify: restore                     # or checksum (files only)
#       verifyEvery: 1                      # verify the first scheduled backup, then every Nth
#       keep: { last: 24, daily: 7, weekly: 4 }
#       validate:
#         - { name: users present, sql: "SELECT count(*) > 0 FROM users" }
`;
