/**
 * The business root causes a failure is diagnosed as. Each names what is wrong in words an
 * operator acts on, not the HTTP status it arrived as; each has a playbook entry (playbook.ts).
 */
export const ROOT_CAUSES = [
  "unknown_sku_mapping",
  "unknown_location_mapping",
  "invalid_address",
  "missing_tax_code",
  "insufficient_inventory",
  "missing_required_field",
  "expired_credentials",
  "permission_denied",
  "rate_limiting",
  "upstream_outage",
  "duplicate_document",
  "stale_object",
  "referenced_record_missing",
  "configuration_error",
  "schema_drift",
  "webhook_signature_mismatch",
  "webhook_subscription_removed",
  "no_route",
  "no_failure",
  "unclassified",
] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

export const ROOT_CAUSE_LABELS: Record<RootCause, string> = {
  unknown_sku_mapping: "SKU not mapped in the destination",
  unknown_location_mapping: "Location / warehouse not mapped",
  invalid_address: "Invalid shipping or billing address",
  missing_tax_code: "Missing or unknown tax code",
  insufficient_inventory: "Not enough inventory",
  missing_required_field: "A required field is empty",
  expired_credentials: "Credentials expired or revoked",
  permission_denied: "Permission denied by the destination",
  rate_limiting: "Rate limited by the destination",
  upstream_outage: "Destination unavailable (outage)",
  duplicate_document: "Document already exists upstream",
  stale_object: "Record changed upstream (stale object)",
  referenced_record_missing: "Referenced record not found upstream",
  configuration_error: "Connection configuration error",
  schema_drift: "Source payload no longer matches the model (schema drift)",
  webhook_signature_mismatch: "Webhook signatures do not verify",
  webhook_subscription_removed: "Webhook subscription removed",
  no_route: "No routing rule matched",
  no_failure: "No failure",
  unclassified: "Unclassified failure",
};
