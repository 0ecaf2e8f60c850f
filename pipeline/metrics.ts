import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of this process, served at GET /api/metrics. */
export const registry = new Registry();

export const eventsCaptured = new Counter({
  name: "loopkeeper_events_captured_total",
  help: "Events captured, by source connector and result (new, duplicate)",
  labelNames: ["connector", "result"] as const,
  registers: [registry],
});

export const deliveryOutcomes = new Counter({
  name: "loopkeeper_delivery_attempts_total",
  help: "Delivery attempts by destination and outcome (ok, retry, rate_limited, circuit_open, parked, duplicate)",
  labelNames: ["destination", "outcome"] as const,
  registers: [registry],
});

export const ingressRejections = new Counter({
  name: "loopkeeper_ingress_rejections_total",
  help: "Inbound payloads rejected and quarantined, by connector and reason",
  labelNames: ["connector", "reason"] as const,
  registers: [registry],
});

export const stageLatency = new Histogram({
  name: "loopkeeper_stage_duration_seconds",
  help: "Time spent per stage (capture, deliver) and capture-to-delivered",
  labelNames: ["stage", "connector"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: "loopkeeper_queue_depth",
  help: "Jobs waiting, active and delayed per queue",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
});
