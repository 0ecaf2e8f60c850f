/**
 * `npm run worker`: a pipeline worker process for the scale-out mode (DATABASE_URL + REDIS_URL).
 * Run any number of them on any number of machines; they share deliveries through BullMQ, poll
 * each source once through leases, and resume what a killed worker left from the database.
 */
// The entry point composes the layers: the triage agent registers itself as a worker service.
import "../agent/triage/register";
import { log } from "../pipeline/log";
import { Runtime } from "../pipeline/runtime";

async function main(): Promise<void> {
  const rt = await Runtime.open();
  if (rt.transport.kind === "in-process") {
    log.warn("REDIS_URL is not set: this worker uses an in-process queue and only serves work captured in this process");
  }
  await rt.startWorkers();
  log.info({ database: rt.store.kind, queue: rt.transport.kind, destinations: rt.directory.list().map((d) => d.id) }, "worker started");
  const reload = setInterval(() => void rt.reload().catch((err) => log.warn({ err: err.message }, "reload failed")), 10_000);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "worker stopping: finishing active jobs");
    clearInterval(reload);
    await rt.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  log.fatal({ err: err.message }, "worker failed to start");
  // Config errors name the setting; print them plainly too.
  console.error(err.message);
  process.exit(1);
});
