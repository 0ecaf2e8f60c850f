import { z } from "zod";
import { explainFailure } from "../agent/diagnosis";
import { signalsOf } from "../agent/diagnosis";
import { defineTool, fail } from "./define-tool";
import { Diagnosis } from "./schemas";

export default defineTool({
  name: "explain_failure",
  title: "Explain a failure",
  description:
    "Deterministic diagnosis of one failed event, one failure group (failureKey from list_failures) or one connector: the business root cause (e.g. unknown_sku_mapping, invalid_address, expired_credentials, rate_limiting, upstream_outage, schema_drift, webhook_subscription_removed), a confidence, the evidence it rests on (attempt rows, upstream error body, mapping state, connector health, quarantined payloads; every cited id exists and can be passed to propose_remediation as evidence), who/what is affected, and the fix the playbook suggests (remediation kind + params, with the values a human must still supply). Give exactly one of eventId, failureKey or connector. For a connector it also reads the connector's webhook subscription list from the system itself.",
  input: z.object({
    eventId: z.string().optional(),
    failureKey: z.string().optional().describe("A failure group key from list_failures"),
    connector: z.string().optional().describe("A connector instance id: checks credentials, outages, rate limits and webhook subscriptions"),
  }),
  output: Diagnosis,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScope: "read",
  async handler({ rt }, input) {
    const given = [input.eventId, input.failureKey, input.connector].filter(Boolean);
    if (given.length !== 1) return fail("invalid", "give exactly one of eventId, failureKey or connector");
    const target = input.eventId ? { eventId: input.eventId } : input.failureKey ? { failureKey: input.failureKey } : { connector: input.connector! };
    const d = await explainFailure(rt.store, target, signalsOf(rt));
    if (!d) return fail("not_found", `nothing found for ${JSON.stringify(target)}: use search_events or list_failures to find ids`);
    return d;
  },
});
