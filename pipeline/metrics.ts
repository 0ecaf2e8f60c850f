import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of this process, served at GET /api/metrics. Next bundles route handlers
 * and instrumentation separately, so this module can be evaluated more than once in one process:
 * the metrics live on globalThis so every copy counts into the same registry.
 */
function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    eventsCaptured: new Counter({
      name: "loopkeeper_events_captured_total",
      help: "Events captured, by source connector and result (new, duplicate)",
      labelNames: ["connector", "result"] as const,
      registers: [registry],
    }),
    deliveryOutcomes: new Counter({
      name: "loopkeeper_delivery_attempts_total",
      help: "Delivery attempts by destination and outcome (ok, retry, rate_limited, circuit_open, parked, duplicate)",
      labelNames: ["destination", "outcome"] as const,
      registers: [registry],
    }),
    ingressRejections: new Counter({
      name: "loopkeeper_ingress_rejections_total",
      help: "Inbound payloads rejected and quarantined, by connector and reason",
      labelNames: ["connector", "reason"] as const,
      registers: [registry],
    }),
    ingressAnswers: new Counter({
      name: "loopkeeper_ingress_answers_total",
      help: "Answers connectors sent back in their own protocol after an inbound request (EDI TA1/997), by connector and result (ok, failed, given_up: resend window closed or refused for good)",
      labelNames: ["connector", "result"] as const,
      registers: [registry],
    }),
    stageLatency: new Histogram({
      name: "loopkeeper_stage_duration_seconds",
      help: "Time spent per stage (capture, deliver)",
      labelNames: ["stage", "connector"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "loopkeeper_queue_depth",
      help: "Jobs waiting, active and delayed per queue",
      labelNames: ["queue", "state"] as const,
      registers: [registry],
    }),
  };
}

const KEY = Symbol.for("loopkeeper.metrics");
const g = globalThis as unknown as Record<symbol, ReturnType<typeof createMetrics> | undefined>;
const metrics = (g[KEY] ??= createMetrics());

export const { registry, eventsCaptured, deliveryOutcomes, ingressRejections, ingressAnswers, stageLatency, queueDepth } = metrics;
