export { startAmazonSandbox, DEFAULT_SANDBOX_CREDENTIALS, type AmazonSandbox, type AmazonSandboxOptions } from "./server";
export { AmazonSandboxState, type SandboxOrderInput, type SandboxOrderPatch, type InventoryRow } from "./state";
export { generateSettlementReport, type SettlementSpec, type GeneratedSettlement } from "./settlement-file";
export { DocumentHost } from "./document-host";
