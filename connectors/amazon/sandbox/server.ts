import { randomBytes } from "node:crypto";
import { DEFAULT_SEED, route, startSandbox, WebhookEmitter, type Route, type SandboxRequest, type SandboxResponse, type SandboxSeed, type SandboxServer } from "../../sdk/sandbox-kit";
import { ConfirmShipmentRequest, type SpOrder } from "../api-schemas";
import type { AmazonCredentials } from "../credentials";
import { DEFAULT_USAGE_PLANS, type SpOperation, type UsagePlan } from "../rate-limiter";
import { RELAY_TOKEN_HEADER } from "../notifications";
import { DocumentHost } from "./document-host";
import {
  confirmShipmentInvalid,
  invalidInput,
  lwaError,
  missingAuthenticationToken,
  notFound,
  quotaExceeded,
  requestIdHeaders,
  serverError,
  tokenRejected,
} from "./responses";
import { financesOfSettlement, type SandboxFinances } from "./finances";
import { generateSettlementReport, type SettlementSpec } from "./settlement-file";
import { AmazonSandboxState, type InventoryRow, type SandboxOrderInput, type SandboxOrderPatch } from "./state";

/**
 * A local SP-API: the operations the connector calls, Login with Amazon's token endpoint
 * (POST /auth/o2/token), per-operation token buckets that answer Amazon's 429 QuotaExceeded and
 * send x-amzn-RateLimit-Limit, NextToken paging (pageSize caps every page, so tests see many),
 * settlement reports through the whole Reports API flow with documents on a separate pre-signed
 * host, the Finances API's event groups and events behind each settlement (./finances.ts), and
 * ORDER_CHANGE notifications POSTed the way our relay forwards them (X-Relay-Token).
 *
 * Rules it enforces like Amazon: LastUpdatedBefore at least 2 minutes old; exactly one of
 * CreatedAfter/LastUpdatedAfter; getReports' nextToken alone; getInventorySummaries' nextToken
 * with the same startDateTime; settlement reports cannot be requested; a path that is no
 * operation answers 403 MissingAuthenticationToken; a dead token 403 Unauthorized.
 * Faults: the kit's plan (429/5xx/timeouts/expiredToken with Amazon's bodies); rejectRecords
 * keyed by Amazon order id make confirmShipment answer the sandbox's 400 "Invalid Input".
 *
 * Time: order and report timestamps use `now` (setClock freezes it, for pollers); rate buckets
 * and token lifetimes use the real clock, as the client's own limiter does.
 *
 * Control endpoints besides the kit's: POST /_sandbox/orders (addOrder body), POST
 * /_sandbox/orders/:id (updateOrder patch), POST /_sandbox/settlements (SettlementSpec),
 * POST /_sandbox/inventory/:sku, POST /_sandbox/expire-tokens, POST /_sandbox/rate-limits
 * ({operation: {rate, burst}}), POST /_sandbox/clock ({now: iso | null}).
 */

export interface AmazonSandboxOptions {
  port?: number;
  seed?: SandboxSeed;
  /** Largest page any list answers (getOrders, getOrderItems, inventory, getReports). Default 100. */
  pageSize?: number;
  credentials?: Partial<AmazonCredentials>;
  /** Usage plans per operation; Amazon's defaults unless given (tests pass fast ones). */
  rateLimits?: Partial<Record<SpOperation, UsagePlan>>;
  /** expires_in of issued access tokens. Default 3600. */
  tokenLifetimeSec?: number;
  /** Maximum indexing delay of order updates in getOrders. Default 0. */
  indexLagMs?: number;
  /** Where ORDER_CHANGE notifications go (our ingress, as the relay would post them). */
  notificationTarget?: string;
}

export interface AmazonSandbox extends SandboxServer {
  /** Complete credentials for this sandbox (lwaTokenUrl points at it). */
  credentials: AmazonCredentials;
  state: AmazonSandboxState;
  documents: DocumentHost;
  addOrder(o?: SandboxOrderInput): SpOrder;
  /** A new version of the order (LastUpdateDate = patch's, else now); sends ORDER_CHANGE. */
  updateOrder(id: string, patch: SandboxOrderPatch): SpOrder;
  /** Publishes a settlement report (DONE) whose document is the generated flat file; returns the settlement id. */
  addSettlement(spec?: SettlementSpec & { compress?: boolean; createdTime?: string }): string;
  setInventory(sku: string, patch: Partial<Omit<InventoryRow, "sku" | "lastUpdatedTime">>): InventoryRow;
  setRateLimit(operation: SpOperation, plan: UsagePlan): void;
  /** Every issued access token stops working (the client must refresh). */
  expireTokens(): void;
  /** Freezes the sandbox clock at this time (ms or ISO); undefined returns to real time. */
  setClock(at: number | string | undefined): void;
  setNotificationTarget(url: string | undefined): void;
  /** Resolves when every notification queued so far was delivered. */
  notificationsSettled(): Promise<void>;
  stats(): { tokenRequests: number; calls: Record<string, number>; throttled: Record<string, number>; notificationsSent: number };
  reset(): void;
}

export const DEFAULT_SANDBOX_CREDENTIALS: Omit<AmazonCredentials, "lwaTokenUrl"> = {
  sellingPartnerId: "A3TH9S8BH6GOGM",
  marketplaceIds: ["ATVPDKIKX0DER"],
  clientId: "amzn1.application-oa2-client.sandbox0000000000000000",
  clientSecret: "amzn1.oa2-cs.v1.sandbox-client-secret",
  refreshToken: "Atzr|IwEBIsandbox-refresh-token",
  relayToken: "relay-token-sandbox-0123456789abcdef",
};

const MARKETPLACES: Record<string, { name: string; countryCode: string; currency: string; domain: string }> = {
  ATVPDKIKX0DER: { name: "Amazon.com", countryCode: "US", currency: "USD", domain: "www.amazon.com" },
  A2EUQ1WTGCTBG2: { name: "Amazon.ca", countryCode: "CA", currency: "CAD", domain: "www.amazon.ca" },
  A1AM78C64UM0Y8: { name: "Amazon.com.mx", countryCode: "MX", currency: "MXN", domain: "www.amazon.com.mx" },
  A1F83G8C2ARO7P: { name: "Amazon.co.uk", countryCode: "GB", currency: "GBP", domain: "www.amazon.co.uk" },
  A1PA6795UKMFR9: { name: "Amazon.de", countryCode: "DE", currency: "EUR", domain: "www.amazon.de" },
};

const SETTLE_MS = 2 * 60_000;

export async function startAmazonSandbox(opts: AmazonSandboxOptions = {}): Promise<AmazonSandbox> {
  let frozen: number | undefined;
  const now = () => frozen ?? Date.now();
  const seed = opts.seed ?? DEFAULT_SEED;
  const pageCap = opts.pageSize ?? 100;
  const tokenLifetimeSec = opts.tokenLifetimeSec ?? 3600;
  const baseCredentials = { ...DEFAULT_SANDBOX_CREDENTIALS, ...opts.credentials };
  const state = new AmazonSandboxState(seed, baseCredentials.marketplaceIds[0]!, now, opts.indexLagMs ?? 0);
  const documents = new DocumentHost(now);
  await documents.start();

  const limits: Record<string, UsagePlan> = { ...DEFAULT_USAGE_PLANS, ...opts.rateLimits };
  const buckets = new Map<string, { tokens: number; at: number }>();
  const calls: Record<string, number> = {};
  const throttled: Record<string, number> = {};
  const tokens = new Map<string, number>();
  let tokenRequests = 0;
  const pages = new Map<string, { kind: string; items: unknown[]; offset: number; startDateTime?: string }>();

  // The kit's faults run before our handlers; its FaultPlan is only known after start, so the
  // emitter is created lazily with it.
  let emitter: WebhookEmitter | undefined;
  let notificationTarget = opts.notificationTarget;
  let outbox: Promise<void> = Promise.resolve();
  let notificationsSent = 0;
  let credentials!: AmazonCredentials;

  /** Per-operation token bucket, real time. Returns a 429 when empty. */
  function take(op: SpOperation): SandboxResponse | undefined {
    const plan = limits[op]!;
    const t = Date.now();
    const b = buckets.get(op) ?? { tokens: plan.burst, at: t };
    b.tokens = Math.min(plan.burst, b.tokens + ((t - b.at) / 1000) * plan.rate);
    b.at = t;
    buckets.set(op, b);
    calls[op] = (calls[op] ?? 0) + 1;
    if (b.tokens < 1) {
      throttled[op] = (throttled[op] ?? 0) + 1;
      return quotaExceeded();
    }
    b.tokens -= 1;
    return undefined;
  }

  /** An SP-API operation: rate-limited, answering with x-amzn-RateLimit-Limit. */
  const op = (operation: SpOperation, handler: (req: SandboxRequest) => SandboxResponse): ((req: SandboxRequest) => SandboxResponse) => (req) => {
    const limited = take(operation);
    if (limited) return limited;
    const res = handler(req);
    if (res.status >= 500) return res;
    return { ...res, headers: { ...requestIdHeaders({ "x-amzn-ratelimit-limit": String(limits[operation]!.rate) }), ...res.headers } };
  };

  function page(kind: string, items: unknown[], size: number, startDateTime?: string): { items: unknown[]; nextToken?: string } {
    const first = items.slice(0, size);
    if (items.length <= size) return { items: first };
    const token = randomBytes(18).toString("base64url");
    pages.set(token, { kind, items, offset: size, startDateTime });
    return { items: first, nextToken: token };
  }

  function nextPage(token: string, kind: string, size: number): { items: unknown[]; nextToken?: string } | undefined {
    const p = pages.get(token);
    if (!p || p.kind !== kind) return undefined;
    pages.delete(token);
    const items = p.items.slice(p.offset, p.offset + size);
    if (p.offset + size >= p.items.length) return { items };
    const next = randomBytes(18).toString("base64url");
    pages.set(next, { ...p, offset: p.offset + size });
    return { items, nextToken: next };
  }

  const date = (req: SandboxRequest, name: string): number | undefined | "bad" => {
    const v = req.query.get(name);
    if (v === null || v === "") return undefined;
    const t = Date.parse(v);
    return Number.isNaN(t) ? "bad" : t;
  };

  function getOrders(req: SandboxRequest): SandboxResponse {
    const size = Math.min(Number(req.query.get("MaxResultsPerPage") ?? 100), pageCap);
    const token = req.query.get("NextToken");
    if (token) {
      const p = nextPage(token, "orders", size);
      if (!p) return invalidInput("Invalid NextToken: it is expired or does not belong to this request.");
      return { status: 200, body: { payload: { Orders: p.items, ...(p.nextToken ? { NextToken: p.nextToken } : {}) } } };
    }
    const marketplaces = req.query.get("MarketplaceIds")?.split(",").filter(Boolean) ?? [];
    if (!marketplaces.length) return invalidInput("Missing required parameter: MarketplaceIds.");
    const max = Number(req.query.get("MaxResultsPerPage") ?? 100);
    if (!Number.isInteger(max) || max < 1 || max > 100) return invalidInput("MaxResultsPerPage must be between 1 and 100.");
    const bounds: Record<string, number | undefined> = {};
    for (const name of ["CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore"]) {
      const v = date(req, name);
      if (v === "bad") return invalidInput(`Invalid date format in ${name}; use ISO 8601.`);
      bounds[name] = v;
    }
    const { CreatedAfter, CreatedBefore, LastUpdatedAfter, LastUpdatedBefore } = bounds;
    if ((CreatedAfter === undefined) === (LastUpdatedAfter === undefined)) return invalidInput("Exactly one of CreatedAfter and LastUpdatedAfter must be specified.");
    if (LastUpdatedBefore !== undefined && LastUpdatedAfter === undefined) return invalidInput("LastUpdatedBefore can only be used with LastUpdatedAfter.");
    if (CreatedBefore !== undefined && CreatedAfter === undefined) return invalidInput("CreatedBefore can only be used with CreatedAfter.");
    const latest = now() - SETTLE_MS;
    for (const [name, v] of Object.entries({ LastUpdatedBefore, CreatedBefore })) {
      if (v !== undefined && v > latest) return invalidInput(`${name} must be a date at least 2 minutes before the time of the request.`);
    }
    if (LastUpdatedAfter !== undefined && LastUpdatedBefore !== undefined && LastUpdatedBefore < LastUpdatedAfter) return invalidInput("LastUpdatedBefore must be after LastUpdatedAfter.");
    const statuses = req.query.get("OrderStatuses")?.split(",").filter(Boolean);
    const within = (t: number, from?: number, to?: number) => (from === undefined || t >= from) && (to === undefined || t <= to);
    const orders = state
      .indexedOrders()
      .filter((o) => marketplaces.includes(o.MarketplaceId ?? ""))
      .filter((o) => within(Date.parse(o.PurchaseDate), CreatedAfter, CreatedBefore ?? latest))
      .filter((o) => LastUpdatedAfter === undefined || within(Date.parse(o.LastUpdateDate), LastUpdatedAfter, LastUpdatedBefore ?? latest))
      .filter((o) => !statuses || statuses.includes(o.OrderStatus))
      .sort((a, b) => Date.parse(a.PurchaseDate) - Date.parse(b.PurchaseDate) || a.AmazonOrderId.localeCompare(b.AmazonOrderId));
    const p = page("orders", orders, Math.min(max, pageCap));
    const boundary = LastUpdatedAfter !== undefined ? { LastUpdatedBefore: new Date(LastUpdatedBefore ?? latest).toISOString() } : { CreatedBefore: new Date(CreatedBefore ?? latest).toISOString() };
    return { status: 200, body: { payload: { Orders: p.items, ...(p.nextToken ? { NextToken: p.nextToken } : {}), ...boundary } } };
  }

  function getOrderItems(req: SandboxRequest): SandboxResponse {
    const id = req.params.orderId!;
    const token = req.query.get("NextToken");
    if (token) {
      const p = nextPage(token, `items:${id}`, pageCap);
      if (!p) return invalidInput("Invalid NextToken.");
      return { status: 200, body: { payload: { AmazonOrderId: id, OrderItems: p.items, ...(p.nextToken ? { NextToken: p.nextToken } : {}) } } };
    }
    if (!state.orders.has(id)) return notFound(`Order ${id}`);
    const p = page(`items:${id}`, state.orderItems(id), pageCap);
    return { status: 200, body: { payload: { AmazonOrderId: id, OrderItems: p.items, ...(p.nextToken ? { NextToken: p.nextToken } : {}) } } };
  }

  function confirmShipment(req: SandboxRequest): SandboxResponse {
    const id = req.params.orderId!;
    const order = state.latest(id);
    if (!order) return notFound(`Order ${id}`);
    if (sandbox.faults.rejection(id)) return confirmShipmentInvalid();
    const parsed = ConfirmShipmentRequest.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return invalidInput(`Invalid request parameter \`${String(issue.path.at(-1) ?? "body")}\`: ${issue.message}`);
    }
    const pkg = parsed.data.packageDetail;
    if (order.FulfillmentChannel === "AFN" || order.OrderStatus === "Canceled" || order.OrderStatus === "Pending") return confirmShipmentInvalid();
    const stored = state.orders.get(id)!;
    const fingerprint = JSON.stringify([pkg.trackingNumber, pkg.orderItems]);
    const earlier = stored.packages.find((p) => p.packageReferenceId === pkg.packageReferenceId);
    if (earlier) return earlier.fingerprint === fingerprint ? { status: 204 } : invalidInput("Invalid request parameter `packageReferenceId`: already used for another package of this order.");
    for (const line of pkg.orderItems) {
      const item = stored.items.find((i) => i.OrderItemId === line.orderItemId);
      if (!item || item.QuantityShipped + line.quantity > item.QuantityOrdered) return confirmShipmentInvalid();
    }
    stored.packages.push({ packageReferenceId: pkg.packageReferenceId, fingerprint, orderItems: pkg.orderItems });
    notify(state.shipItems(id, pkg.orderItems), "OrderStatusChange");
    return { status: 204 };
  }

  function getInventorySummaries(req: SandboxRequest): SandboxResponse {
    const q = req.query;
    if (q.get("granularityType") !== "Marketplace") return invalidInput("Missing required parameter: granularityType.");
    if (!q.get("granularityId")) return invalidInput("Missing required parameter: granularityId.");
    if (!q.get("marketplaceIds")) return invalidInput("Missing required parameter: marketplaceIds.");
    const startDateTime = q.get("startDateTime") ?? undefined;
    const token = q.get("nextToken");
    const granularity = { granularityType: "Marketplace", granularityId: q.get("granularityId") };
    let p: { items: unknown[]; nextToken?: string } | undefined;
    if (token) {
      const stored = pages.get(token);
      if (stored?.startDateTime && stored.startDateTime !== startDateTime) return invalidInput("startDateTime must be sent with nextToken when the first request used it.");
      p = nextPage(token, "inventory", pageCap);
      if (!p) return invalidInput("Invalid nextToken: it expired or is unknown.");
    } else {
      const start = startDateTime ? Date.parse(startDateTime) : undefined;
      if (start !== undefined && Number.isNaN(start)) return invalidInput("Invalid date format in startDateTime.");
      const skus = q.get("sellerSkus")?.split(",").filter(Boolean);
      const rows = [...state.inventory.values()]
        .filter((r) => (start === undefined ? !skus || skus.includes(r.sku) : Date.parse(r.lastUpdatedTime) >= start))
        .map((r) => state.inventorySummary(r, q.get("details") === "true"));
      p = page("inventory", rows, pageCap, startDateTime);
    }
    return { status: 200, body: { ...(p.nextToken ? { pagination: { nextToken: p.nextToken } } : {}), payload: { granularity, inventorySummaries: p.items } } };
  }

  function createReport(req: SandboxRequest): SandboxResponse {
    const body = req.body ?? {};
    if (typeof body.reportType !== "string") return invalidInput("Missing required parameter: reportType.");
    if (!Array.isArray(body.marketplaceIds) || !body.marketplaceIds.length) return invalidInput("Missing required parameter: marketplaceIds.");
    if (/SETTLEMENT/.test(body.reportType)) return invalidInput(`Report type ${body.reportType} cannot be requested: settlement reports are generated by Amazon on its own schedule.`);
    const r = state.addReport({ reportType: body.reportType, marketplaceIds: body.marketplaceIds, dataStartTime: body.dataStartTime, dataEndTime: body.dataEndTime, processingStatus: "IN_QUEUE", polls: 0 });
    return { status: 202, body: { reportId: r.reportId } };
  }

  function getReports(req: SandboxRequest): SandboxResponse {
    const q = req.query;
    const token = q.get("nextToken");
    const size = Math.min(Number(q.get("pageSize") ?? 10), pageCap);
    if (token) {
      if ([...q.keys()].some((k) => k !== "nextToken")) return invalidInput("nextToken must be the only parameter when it is given.");
      const p = nextPage(token, "reports", size);
      if (!p) return invalidInput("Invalid nextToken.");
      return { status: 200, body: { reports: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) } };
    }
    const types = q.get("reportTypes")?.split(",").filter(Boolean);
    if (!types?.length) return invalidInput("Missing required parameter: reportTypes.");
    const pageSize = Number(q.get("pageSize") ?? 10);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return invalidInput("pageSize must be between 1 and 100.");
    const statuses = q.get("processingStatuses")?.split(",").filter(Boolean);
    const since = date(req, "createdSince");
    const until = date(req, "createdUntil");
    if (since === "bad" || until === "bad") return invalidInput("Invalid date format in createdSince or createdUntil.");
    const from = since ?? now() - 90 * 86_400_000;
    const to = until ?? now();
    const reports = [...state.reports.values()]
      .filter((r) => types.includes(r.reportType) && (!statuses || statuses.includes(r.processingStatus)))
      .filter((r) => Date.parse(r.createdTime) >= from && Date.parse(r.createdTime) <= to)
      .sort((a, b) => Date.parse(b.createdTime) - Date.parse(a.createdTime))
      .map(({ polls: _polls, ...r }) => r);
    const p = page("reports", reports, Math.min(pageSize, pageCap));
    return { status: 200, body: { reports: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) } };
  }

  function getReport(req: SandboxRequest): SandboxResponse {
    const r = state.reports.get(req.params.reportId!);
    if (!r) return notFound(`Report ${req.params.reportId}`);
    if (r.polls !== undefined && r.processingStatus !== "CANCELLED") {
      // Requested reports move along one status per poll; the sandbox has no data for them.
      r.polls++;
      r.processingStatus = r.processingStatus === "IN_QUEUE" ? "IN_PROGRESS" : "CANCELLED";
      if (r.processingStatus === "IN_PROGRESS") r.processingStartTime = state.nowIso();
      else r.processingEndTime = state.nowIso();
    }
    const { polls: _polls, ...body } = r;
    return { status: 200, body };
  }

  function getReportDocument(req: SandboxRequest): SandboxResponse {
    const id = req.params.documentId!;
    if (!documents.has(id)) return notFound(`Report document ${id}`);
    return { status: 200, body: { reportDocumentId: id, url: documents.presign(id), ...(documents.isCompressed(id) ? { compressionAlgorithm: "GZIP" } : {}) } };
  }

  function marketplaceParticipations(): SandboxResponse {
    return {
      status: 200,
      body: {
        payload: credentials.marketplaceIds.map((id) => {
          const m = MARKETPLACES[id] ?? { name: id, countryCode: "US", currency: seed.currency, domain: "www.amazon.com" };
          return {
            marketplace: { id, name: m.name, countryCode: m.countryCode, defaultCurrencyCode: m.currency, defaultLanguageCode: "en_US", domainName: m.domain },
            participation: { isParticipating: true, hasSuspendedListings: false },
          };
        }),
      },
    };
  }

  /** Login with Amazon: refresh_token grant only. */
  function lwaToken(req: SandboxRequest): SandboxResponse {
    tokenRequests++;
    const form = /json/i.test(req.headers["content-type"] ?? "") ? new URLSearchParams(req.body ?? {}) : new URLSearchParams(req.rawBody);
    if (form.get("grant_type") !== "refresh_token") return lwaError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server");
    if (form.get("client_id") !== credentials.clientId || form.get("client_secret") !== credentials.clientSecret) return lwaError(401, "invalid_client", "Client authentication failed");
    if (form.get("refresh_token") !== credentials.refreshToken) return lwaError(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token");
    const token = `Atza|${randomBytes(24).toString("base64url")}`;
    tokens.set(token, Date.now() + tokenLifetimeSec * 1000);
    return { status: 200, headers: { "cache-control": "no-cache, no-store" }, body: { access_token: token, refresh_token: credentials.refreshToken, token_type: "bearer", expires_in: tokenLifetimeSec } };
  }

  function notify(order: SpOrder, changeType: string): void {
    if (!notificationTarget) return;
    emitter!.targetUrl = notificationTarget;
    const id = randomBytes(16).toString("hex");
    const notification = {
      NotificationVersion: "1.0",
      NotificationType: "ORDER_CHANGE",
      PayloadVersion: "1.0",
      EventTime: state.nowIso(),
      Payload: {
        OrderChangeNotification: {
          NotificationLevel: "OrderLevel",
          SellerId: credentials.sellingPartnerId,
          AmazonOrderId: order.AmazonOrderId,
          OrderChangeType: changeType,
          OrderChangeTrigger: { TimeOfOrderChange: order.LastUpdateDate, ChangeReason: changeType === "OrderStatusChange" ? "Order status changed" : "Order changed" },
          Summary: {
            MarketplaceId: order.MarketplaceId,
            OrderStatus: order.OrderStatus,
            PurchaseDate: order.PurchaseDate,
            FulfillmentType: order.FulfillmentChannel,
            OrderType: "StandardOrder",
            NumberOfItemsShipped: order.NumberOfItemsShipped,
            NumberOfItemsUnshipped: order.NumberOfItemsUnshipped,
            OrderItems: state.orderItems(order.AmazonOrderId).map((i) => ({ OrderItemId: i.OrderItemId, SellerSKU: i.SellerSKU, Quantity: i.QuantityOrdered, QuantityShipped: i.QuantityShipped })),
          },
        },
      },
      NotificationMetadata: {
        ApplicationId: `app-id-${credentials.clientId.slice(-12)}`,
        SubscriptionId: "subscription-id-sandbox",
        PublishTime: state.nowIso(),
        NotificationId: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
      },
    };
    const body = JSON.stringify(notification);
    outbox = outbox.then(() => emitter!.emit(body)).then(() => void notificationsSent++);
  }

  const addOrder = (o?: SandboxOrderInput) => {
    const order = state.addOrder(o);
    notify(state.latest(order.AmazonOrderId)!, "OrderStatusChange");
    return order;
  };
  const updateOrder = (id: string, patch: SandboxOrderPatch) => {
    const order = state.updateOrder(id, patch);
    notify(order, patch.OrderStatus ? "OrderStatusChange" : "BuyerRequestedChange");
    return order;
  };
  const finances: SandboxFinances[] = [];
  const financialEventGroups = (req: SandboxRequest): SandboxResponse => {
    const after = req.query.get("FinancialEventGroupStartedAfter");
    const before = req.query.get("FinancialEventGroupStartedBefore");
    const list = finances
      .map((f) => f.group)
      .filter((g) => (!after || Date.parse(g.FinancialEventGroupStart ?? "") >= Date.parse(after)) && (!before || Date.parse(g.FinancialEventGroupStart ?? "") < Date.parse(before)));
    return { status: 200, body: { payload: { FinancialEventGroupList: list } } };
  };
  const financialEvents = (req: SandboxRequest): SandboxResponse => {
    const f = finances.find((x) => x.group.FinancialEventGroupId === req.params.groupId);
    return f ? { status: 200, body: { payload: { FinancialEvents: f.events } } } : notFound(`financial event group ${req.params.groupId}`);
  };

  const addSettlement = (spec: SettlementSpec & { compress?: boolean; createdTime?: string } = {}) => {
    const generated = generateSettlementReport({ currency: seed.currency, ...spec });
    finances.push(financesOfSettlement(generated.truthTsv));
    const documentId = `amzn1.spdoc.1.4.na.${randomBytes(16).toString("hex")}`;
    documents.put(documentId, generated.tsv, { gzip: spec.compress });
    state.addReport({
      reportType: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
      marketplaceIds: credentials.marketplaceIds,
      dataStartTime: spec.startDate,
      dataEndTime: spec.endDate,
      processingStatus: "DONE",
      processingStartTime: spec.createdTime ?? state.nowIso(),
      processingEndTime: spec.createdTime ?? state.nowIso(),
      reportDocumentId: documentId,
      createdTime: spec.createdTime,
    });
    return generated.settlementId;
  };

  const control: Route[] = [
    route("POST", "/_sandbox/orders", (req) => ({ status: 201, body: addOrder(req.body ?? {}) }), { unauthenticated: true }),
    route("POST", "/_sandbox/orders/:id", (req) => ({ status: 200, body: updateOrder(req.params.id!, req.body ?? {}) }), { unauthenticated: true }),
    route("POST", "/_sandbox/settlements", (req) => ({ status: 201, body: { settlementId: addSettlement(req.body ?? {}) } }), { unauthenticated: true }),
    route("POST", "/_sandbox/inventory/:sku", (req) => ({ status: 200, body: state.setInventory(req.params.sku!, req.body ?? {}) }), { unauthenticated: true }),
    route("POST", "/_sandbox/expire-tokens", () => (tokens.clear(), { status: 200, body: { ok: true } }), { unauthenticated: true }),
    route("POST", "/_sandbox/rate-limits", (req) => (Object.assign(limits, req.body ?? {}), buckets.clear(), { status: 200, body: limits }), { unauthenticated: true }),
    route("POST", "/_sandbox/clock", (req) => ((frozen = req.body?.now ? Date.parse(req.body.now) : undefined), { status: 200, body: { now: state.nowIso() } }), { unauthenticated: true }),
  ];
  const api: Route[] = [
    route("POST", "/auth/o2/token", lwaToken, { unauthenticated: true }),
    route("GET", "/orders/v0/orders", op("getOrders", getOrders)),
    route("GET", "/orders/v0/orders/:orderId", op("getOrder", (req) => {
      const o = state.latest(req.params.orderId!);
      return o ? { status: 200, body: { payload: o } } : notFound(`Order ${req.params.orderId}`);
    })),
    route("GET", "/orders/v0/orders/:orderId/orderItems", op("getOrderItems", getOrderItems)),
    route("POST", "/orders/v0/orders/:orderId/shipmentConfirmation", op("confirmShipment", confirmShipment)),
    route("GET", "/fba/inventory/v1/summaries", op("getInventorySummaries", getInventorySummaries)),
    route("POST", "/reports/2021-06-30/reports", op("createReport", createReport)),
    route("GET", "/reports/2021-06-30/reports", op("getReports", getReports)),
    route("GET", "/reports/2021-06-30/reports/:reportId", op("getReport", getReport)),
    route("GET", "/reports/2021-06-30/documents/:documentId", op("getReportDocument", getReportDocument)),
    route("GET", "/sellers/v1/marketplaceParticipations", op("getMarketplaceParticipations", marketplaceParticipations)),
    route("GET", "/finances/v0/financialEventGroups", op("listFinancialEventGroups", financialEventGroups)),
    route("GET", "/finances/v0/financialEventGroups/:groupId/financialEvents", op("listFinancialEventsByGroupId", financialEvents)),
  ];
  // API Gateway answers any path that is no operation with 403 MissingAuthenticationToken.
  const gateway = ["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => route(m, "/*", missingAuthenticationToken, { unauthenticated: true }));

  const server = await startSandbox({
    name: "amazon",
    port: opts.port,
    routes: [...control, ...api, ...gateway],
    faultResponses: { rateLimited: () => quotaExceeded(), serverError, expiredToken: tokenRejected },
    authorize: (req) => {
      const token = req.headers["x-amz-access-token"];
      const expiresAt = token ? tokens.get(token) : undefined;
      return expiresAt !== undefined && expiresAt > Date.now();
    },
    state: () => ({
      orders: [...state.orders.keys()].map((id) => state.latest(id)),
      inventory: [...state.inventory.values()],
      reports: [...state.reports.values()],
      rateLimits: limits,
      stats: { tokenRequests, liveTokens: tokens.size, calls, throttled, notificationsSent },
      downloads: documents.downloads,
    }),
    reset: () => reset(),
  });
  credentials = { ...baseCredentials, lwaTokenUrl: `${server.url}/auth/o2/token` };
  emitter = new WebhookEmitter(server.faults, () => ({ [RELAY_TOKEN_HEADER]: credentials.relayToken }));

  function reset(): void {
    state.reset();
    pages.clear();
    buckets.clear();
    tokens.clear();
    documents.clear();
    finances.length = 0;
    for (const k of Object.keys(calls)) delete calls[k];
    for (const k of Object.keys(throttled)) delete throttled[k];
    Object.assign(limits, DEFAULT_USAGE_PLANS, opts.rateLimits);
    tokenRequests = 0;
    frozen = undefined;
  }

  const sandbox: AmazonSandbox = {
    ...server,
    credentials,
    state,
    documents,
    addOrder,
    updateOrder,
    addSettlement,
    setInventory: (sku, patch) => state.setInventory(sku, patch),
    setRateLimit: (operation, plan) => {
      limits[operation] = plan;
      buckets.delete(operation);
    },
    expireTokens: () => tokens.clear(),
    setClock: (at) => void (frozen = at === undefined ? undefined : typeof at === "number" ? at : Date.parse(at)),
    setNotificationTarget: (url) => void (notificationTarget = url),
    notificationsSettled: () => outbox,
    stats: () => ({ tokenRequests, calls: { ...calls }, throttled: { ...throttled }, notificationsSent }),
    reset,
    close: async () => {
      await outbox.catch(() => undefined);
      await Promise.all([server.close(), documents.close()]);
    },
  };
  return sandbox;
}
