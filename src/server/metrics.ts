import client from 'prom-client';

/** The hub's Prometheus metrics, on one registry served at GET /metrics. */
export class Metrics {
  readonly registry = new client.Registry();

  readonly httpRequests = new client.Counter({
    name: 'lgsp_http_requests_total',
    help: 'HTTP requests by route and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly operations = new client.Counter({
    name: 'lgsp_graphql_operations_total',
    help: 'GraphQL operations by name and type.',
    labelNames: ['operation', 'type'] as const,
    registers: [this.registry],
  });

  readonly operationDuration = new client.Histogram({
    name: 'lgsp_graphql_operation_duration_seconds',
    help: 'GraphQL operation latency by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly errors = new client.Counter({
    name: 'lgsp_graphql_errors_total',
    help: 'Errors returned to clients, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly sqlStatements = new client.Counter({
    name: 'lgsp_db_statements_total',
    help: 'SQL statements sent to the database.',
    registers: [this.registry],
  });

  readonly tokensIssued = new client.Counter({
    name: 'lgsp_oauth_tokens_total',
    help: 'Token endpoint results.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'lgsp_' });
  }
}
