import { z } from "zod";
import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { reconcileNow, RECON_DOMAINS } from "@/pipeline/reconcile";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ domain: z.enum(RECON_DOMAINS) });

/** Runs one domain's reconciliation now instead of at its next scheduled tick (operator). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  const outcome = await reconcileNow(await getRuntime(), { domain: body.data.domain });
  return ok({ status: outcome.status, checked: outcome.checked, open: outcome.open, inFlight: outcome.inFlight, resolved: outcome.resolved, error: outcome.error ?? null });
}
