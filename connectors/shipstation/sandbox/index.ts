export { DEFAULT_SANDBOX_CREDENTIALS, startShipStationSandbox, type SentWebhook, type ShipStationSandbox, type ShipStationSandboxCredentials, type ShipStationSandboxOptions } from "./server";
export { ModelStateError, SandboxStateError, ShipStationState, type AdjustmentRecord, type SandboxWarehouse, type ShipOptions, type StockRow, type StoredShipment, type Subscription } from "./state";
