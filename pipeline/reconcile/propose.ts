import { proposeRemediation } from "../approvals";
import type { RemediationKind } from "../remediations";
import type { Runtime } from "../runtime";
import type { ProposeRemediation, ReconDeps } from "./engine";

/** The reconciler proposes as a system actor: a proposal, never an approval or an application. */
export function proposerFor(rt: Runtime): ProposeRemediation {
  return async (input) => {
    const r = await proposeRemediation(rt, { type: "system", id: "reconciler", scopes: [] }, { kind: input.kind as RemediationKind, params: input.params, rationale: input.rationale, title: input.title, evidence: input.evidence });
    return r.ok ? { ok: true, id: r.value.id } : { ok: false, message: r.message };
  };
}

/** A runtime's connections, store and approval flow, as a reconciliation run needs them. */
export function reconDepsOf(rt: Runtime): ReconDeps {
  return { store: rt.store, instances: () => rt.directory.listInstances(), propose: proposerFor(rt) };
}
