import type { RootCause } from "./taxonomy";

/** The remediation a diagnosis suggests; `params` follow pipeline/remediations' schemas, with nulls where a human must supply a value. */
export interface SuggestedFix {
  kind: "retry" | "replay_from_stage" | "update_mapping" | "reconnect_credentials" | "push_correction" | "none";
  params: Record<string, unknown>;
  description: string;
  /** What a person (or the agent, by looking it up) must fill in before proposing. */
  needs: string[];
  /** A named approval policy may pre-approve it (low-risk retry after a transient cause). */
  policyEligible: boolean;
}

export interface PlaybookInput {
  cause: RootCause;
  destination?: string;
  destinationType?: string;
  failureKey?: string;
  eventId?: string;
  unmappedSkus: string[];
  skuMappingKind?: string;
  locationMappingKind?: string;
  node?: string;
  field?: string | null;
  openParked: number;
  waiting: boolean;
  quarantineIds?: string[];
  connector?: string;
  sourceConnector?: string;
}

const SKU_KINDS: Record<string, string> = { netsuite: "netsuite_item", quickbooks: "quickbooks_item", shopify: "shopify_inventory_item" };
const LOCATION_KINDS: Record<string, string> = { netsuite: "netsuite_location", shipstation: "shipstation_warehouse", shopify: "shopify_location" };
const TAX_KINDS: Record<string, string> = { netsuite: "netsuite_tax_code", quickbooks: "quickbooks_tax_code" };

/** Connector types whose mapping kinds the playbook knows without looking at the mappings table. */
export function isKnownType(type: string | undefined): boolean {
  return !!type && (type in SKU_KINDS || type in LOCATION_KINDS);
}

export function skuMappingKindFor(type: string | undefined, used: string[]): string {
  return (type && SKU_KINDS[type]) || used.find((k) => /item|sku|product|variant/i.test(k)) || "sku";
}

export function locationMappingKindFor(type: string | undefined, used: string[]): string {
  return (type && LOCATION_KINDS[type]) || used.find((k) => /location|warehouse|node/i.test(k)) || "location";
}

/** The fix for each root cause: which remediation kind, with which parameters. */
export function suggestFix(p: PlaybookInput): SuggestedFix {
  const dest = p.destination ?? p.connector ?? "the destination";
  const scope = p.failureKey ? { failureKey: p.failureKey } : p.eventId ? { eventIds: [p.eventId] } : {};
  const replayNote = p.openParked ? `, then replay the ${p.openParked} parked deliver${p.openParked === 1 ? "y" : "ies"}` : "";
  switch (p.cause) {
    case "unknown_sku_mapping":
      return {
        kind: "update_mapping",
        params: { connector: dest, mappingKind: p.skuMappingKind ?? skuMappingKindFor(p.destinationType, []), mappings: p.unmappedSkus.map((s) => ({ sourceKey: s, targetKey: null })), ...scope },
        description: `Map ${p.unmappedSkus.length ? `SKU ${p.unmappedSkus.join(", ")}` : "the rejected SKU"} to its item in ${dest}${replayNote}.`,
        needs: [`the ${dest} item id for each SKU (targetKey)`],
        policyEligible: false,
      };
    case "unknown_location_mapping":
      return {
        kind: "update_mapping",
        params: { connector: dest, mappingKind: p.locationMappingKind ?? locationMappingKindFor(p.destinationType, []), mappings: [{ sourceKey: p.node ?? null, targetKey: null }], ...scope },
        description: `Map ${p.node ? `node ${p.node}` : "the fulfilment node"} to its location / warehouse in ${dest}${replayNote}.`,
        needs: [`the ${dest} location or warehouse id (targetKey)`, ...(p.node ? [] : ["the node name (sourceKey)"])],
        policyEligible: false,
      };
    case "missing_tax_code":
      return {
        kind: "update_mapping",
        params: { connector: dest, mappingKind: (p.destinationType && TAX_KINDS[p.destinationType]) || "tax_code", mappings: [{ sourceKey: null, targetKey: null }], ...scope },
        description: `Map the order's tax (jurisdiction or rate) to a ${dest} tax code${replayNote}.`,
        needs: ["the tax title or jurisdiction (sourceKey)", `the ${dest} tax code id (targetKey)`],
        policyEligible: false,
      };
    case "invalid_address":
    case "missing_required_field":
      return {
        kind: "push_correction",
        params: { eventId: p.eventId ?? null, patch: p.cause === "invalid_address" ? { shippingAddress: {} } : {} },
        description: `Correct ${p.field ? `the ${p.field} field` : "the payload"} and push the corrected event to ${dest} (the parked delivery is replaced, not retried as is).`,
        needs: [p.cause === "invalid_address" ? "the corrected address (patch.shippingAddress)" : `a value for ${p.field ?? "the missing field"} (patch)`],
        policyEligible: false,
      };
    case "expired_credentials":
      return {
        kind: "reconnect_credentials",
        params: { connector: dest, replayParked: true },
        description: `Enter new credentials for ${dest} in the console (Connections), then reconnect: the connection is tested, deliveries resume and the ${p.openParked} parked ones are replayed.`,
        needs: [`new ${dest} credentials saved in the console (never through chat)`],
        policyEligible: false,
      };
    case "permission_denied":
      return {
        kind: "reconnect_credentials",
        params: { connector: dest, replayParked: true },
        description: `Grant the integration user the missing permission in ${dest}, then reconnect and replay.`,
        needs: [`the permission granted in ${dest}`],
        policyEligible: false,
      };
    case "rate_limiting":
      return p.waiting && p.openParked === 0
        ? { kind: "none", params: {}, description: `No action: deliveries to ${dest} wait for the limit to reset and spend no attempts.`, needs: [], policyEligible: false }
        : { kind: "retry", params: { ...scope }, description: `Retry the ${p.openParked} parked deliveries once ${dest} has budget again.`, needs: [], policyEligible: true };
    case "upstream_outage":
      return p.waiting && p.openParked === 0
        ? { kind: "none", params: {}, description: `No action yet: the delivery is backing off and will retry when ${dest} recovers.`, needs: [], policyEligible: false }
        : { kind: "retry", params: { ...scope }, description: `Retry the ${p.openParked} parked deliveries once ${dest} is healthy again (circuit closed, recent attempts succeed).`, needs: [], policyEligible: true };
    case "duplicate_document":
      return { kind: "retry", params: { ...scope }, description: `Retry: the delivery looks the existing ${dest} document up again and links it instead of writing a second one.`, needs: [], policyEligible: false };
    case "stale_object":
      return { kind: "replay_from_stage", params: { stage: "deliver", refetch: true, ...scope }, description: `Replay the delivery with a fresh read of the ${dest} record first.`, needs: [], policyEligible: false };
    case "insufficient_inventory":
      return { kind: "retry", params: { ...scope }, description: `Receive or transfer stock in ${dest}, then retry.`, needs: [`stock available in ${dest}`], policyEligible: false };
    case "schema_drift":
      return {
        kind: "replay_from_stage",
        params: { stage: "capture", quarantineIds: p.quarantineIds ?? [] },
        description: `Update the ${p.sourceConnector ?? p.connector ?? "source"} connector's parser for the new payload shape, then replay the quarantined payloads through capture.`,
        needs: ["a connector release that accepts the new shape (dry-run shows whether it does)"],
        policyEligible: false,
      };
    case "webhook_subscription_removed":
      return {
        kind: "reconnect_credentials",
        params: { connector: p.connector ?? dest, resubscribeWebhooks: true, replayParked: false },
        description: `Re-create the webhook subscription in ${p.connector ?? dest}, then backfill what was missed from its API (poll or reconciliation).`,
        needs: [],
        policyEligible: false,
      };
    case "webhook_signature_mismatch":
      return { kind: "none", params: {}, description: `Copy the current webhook signing secret of ${p.connector ?? "the source"} into its connection, then replay the quarantined payloads.`, needs: ["the signing secret from the source system"], policyEligible: false };
    case "configuration_error":
      return { kind: "none", params: {}, description: `Fix the ${dest} connection or routing settings in the console, then retry.`, needs: ["the missing setting"], policyEligible: false };
    case "referenced_record_missing":
      return { kind: "none", params: {}, description: `Create or re-activate the referenced record in ${dest} (or correct the reference), then retry.`, needs: ["the referenced record"], policyEligible: false };
    case "no_route":
      return { kind: "none", params: {}, description: "Add or enable a routing rule for this event type and source if it should go somewhere.", needs: [], policyEligible: false };
    case "no_failure":
      return { kind: "none", params: {}, description: "Nothing to fix.", needs: [], policyEligible: false };
    case "unclassified":
      return { kind: "none", params: {}, description: "Read the upstream error body in the cited attempt; no playbook entry applies.", needs: [], policyEligible: false };
  }
}
