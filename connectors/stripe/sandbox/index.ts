export { startStripeSandbox, type StartStripeSandboxOptions, type StripeSandbox, type StripeSandboxCredentials } from "./server";
export { StripeSandboxState, type PayoutStatus, type SandboxBalanceTransaction, type SandboxCharge, type SandboxDispute, type SandboxEvent, type SandboxPayout, type SandboxRefund } from "./state";
export { parseStripeForm } from "./form";
export { signStripePayload } from "./sign";
