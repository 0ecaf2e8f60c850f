import { registerWorkerService } from "../../pipeline/runtime";
import { startTriageAgent } from "./triage-agent";

/**
 * Importing this module makes every Runtime.startWorkers in the process run the triage agent
 * (the embedded web process and `npm run worker`); the agent's lease keeps it to one process.
 */
registerWorkerService("triage", (rt) => startTriageAgent(rt));
