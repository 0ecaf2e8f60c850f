import pino from "pino";

/**
 * Structured JSON logs to stderr: stdout belongs to the MCP stdio transport in processes that
 * serve it. Known secret fields are censored by pino before serialisation.
 */
export const log = pino(
  {
    // Read directly rather than through config(): the logger must work before (and when) the
    // configuration fails to parse, to report that failure. config.ts validates the same variable.
    level: process.env.LOG_LEVEL ?? "info",
    base: { svc: "loopkeeper" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["*.authorization", "*.Authorization", "*.password", "*.token", "*.accessToken", "*.apiKey", "*.clientSecret", "*.credentials", "headers.authorization", "credentials"],
      censor: "[REDACTED]",
    },
  },
  pino.destination({ fd: 2, sync: false }),
);
export type Logger = typeof log;
