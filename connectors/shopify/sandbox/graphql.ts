import { fromMinorUnits } from "../../../pipeline/model";
import type { SandboxResponse } from "../../sdk/sandbox-kit";
import { FulfillmentInput, InventorySetQuantitiesInput } from "../api-schemas";
import { IDEMPOTENT_SINCE, versionAtLeast } from "../graphql-documents";
import { gidTail } from "../shopify-ids";
import { maxCostExceededBody, throttledBody } from "./error-bodies";
import type { LeakyBucket } from "./leaky-bucket";
import { currentTotals } from "./webhook-payloads";
import type { SandboxFulfillment, SandboxFulfillmentOrder, SandboxLevel, SandboxOrder, SandboxRefund, ShopifySandboxState } from "./state";

/**
 * The Admin GraphQL subset the connector's client sends, answered from sandbox state. This is
 * not a GraphQL engine: it reads the operation type, the root field and the @idempotent
 * directive from the query text, and answers with the fields the connector's documents select.
 * Costs approximate Shopify's (connection = 2 + first × node cost); the requested cost is taken
 * from the bucket up front and the unused part refunded, as Shopify does.
 */

export interface ParsedOperation {
  type: "query" | "mutation";
  name?: string;
  root: string;
  /** Present when the root field carries @idempotent(key: …). */
  idempotencyKey?: string;
  usesIdempotent: boolean;
}

export function parseOperation(query: string, variables: Record<string, unknown>): ParsedOperation | undefined {
  const src = query.replace(/#[^\n]*/g, "");
  const m = /^\s*(?:(query|mutation)\b\s*(\w+)?\s*(?:\([^)]*\))?\s*)?\{\s*(?:\w+\s*:\s*)?(\w+)/.exec(src);
  if (!m) return undefined;
  const d = /@idempotent\s*\(\s*key\s*:\s*(?:\$(\w+)|"((?:[^"\\]|\\.)*)")\s*\)/.exec(src);
  const key = d ? (d[1] ? variables[d[1]] : d[2]) : undefined;
  return { type: (m[1] as "query" | "mutation") ?? "query", name: m[2], root: m[3]!, usesIdempotent: !!d, idempotencyKey: typeof key === "string" ? key : undefined };
}

export interface GraphqlContext {
  state: ShopifySandboxState;
  bucket: LeakyBucket;
  version: string;
  rejection(key: string): { field: string; message: string } | undefined;
  /** Side effects that Shopify reports by webhook. */
  onFulfillmentCreated(f: SandboxFulfillment): void;
  onLevelsChanged(levels: SandboxLevel[]): void;
}

type Data = Record<string, unknown>;
type Result = { data?: Data; errors?: unknown[] };

export function handleGraphql(ctx: GraphqlContext, body: any): SandboxResponse {
  if (!body || typeof body.query !== "string") return { status: 400, body: { errors: [{ message: "No query string was present" }] } };
  const variables: Record<string, unknown> = body.variables && typeof body.variables === "object" ? body.variables : {};
  const op = parseOperation(body.query, variables);
  if (!op) return ok({ errors: [{ message: "syntax error, unexpected end of file", extensions: { code: "GRAPHQL_PARSE_FAILED" } }] });
  if (op.usesIdempotent && !versionAtLeast(ctx.version, "2026-01")) {
    return ok({ errors: [{ message: "Directive 'idempotent' is not defined", extensions: { code: "undefinedDirective", directiveName: "idempotent" } }] });
  }
  if (op.type === "mutation" && !op.usesIdempotent && IDEMPOTENT_SINCE[op.root] && versionAtLeast(ctx.version, "2026-04")) {
    return ok({ errors: [{ message: `The @idempotent directive is required for ${op.root} from API version 2026-04.`, extensions: { code: "BAD_REQUEST" } }] });
  }

  const requested = estimateCost(op, body.query, variables);
  if (requested > ctx.bucket.maximumAvailable) return ok(maxCostExceededBody(requested, ctx.bucket.maximumAvailable));
  if (!ctx.bucket.take(requested)) return ok(throttledBody({ requestedQueryCost: requested, ...ctx.bucket.status() }));

  const result = op.type === "mutation" ? runMutation(ctx, op, variables) : runQuery(ctx, op, body.query, variables);
  const actual = Math.min(requested, op.type === "mutation" ? 10 : 1 + countObjects(result.data));
  ctx.bucket.refund(requested - actual);
  return ok({ ...result, extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: ctx.bucket.status() } } });
}

function ok(body: unknown): SandboxResponse {
  return { status: 200, body };
}

function estimateCost(op: ParsedOperation, query: string, v: Record<string, unknown>): number {
  if (op.type === "mutation") return 10;
  const first = typeof v.first === "number" ? v.first : 10;
  switch (op.root) {
    case "shop": return 1;
    case "orders": return 2 + first * 61;
    case "order":
      if (/fulfillmentOrders/.test(query)) return 3 + 5 * 105;
      if (/fulfillments/.test(query)) return 3 + 15 * 38;
      return 3 + 52;
    case "fulfillmentOrder": return 3 + 52 * 2;
    case "fulfillment": return 3 + 52 * 2;
    case "productVariants": return 2 + 5 * 2;
    case "locations": return 2 + first;
    case "location": return 3 + first * 6;
    case "inventoryItem": return 8;
    case "refund": return 6 + 100 * 7;
    default: return 1;
  }
}

function countObjects(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, x) => n + countObjects(x), 0);
  if (value && typeof value === "object") return 1 + Object.values(value).reduce<number>((n, x) => n + countObjects(x), 0);
  return 0;
}

// ---------------------------------------------------------------- queries

function runQuery(ctx: GraphqlContext, op: ParsedOperation, query: string, v: Record<string, unknown>): Result {
  const s = ctx.state;
  const after = typeof v.after === "string" ? v.after : undefined;
  switch (op.root) {
    case "shop":
      return { data: { shop: { name: s.shop.name, myshopifyDomain: s.shop.domain, currencyCode: s.shop.currency } } };
    case "orders": {
      const matching = s.orders.filter(orderFilter(typeof v.query === "string" ? v.query : "")).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const page = paginate(matching, numberOr(v.first, 10), after);
      return { data: { orders: { pageInfo: page.pageInfo, nodes: page.nodes.map((o) => orderNode(s, o)) } } };
    }
    case "order": {
      const order = s.orders.find((o) => o.id === gidTail(String(v.id ?? "")));
      if (!order) return { data: { order: null } };
      const node: Data = { id: gid("Order", order.id), name: order.name };
      if (/fulfillmentOrders/.test(query)) {
        const page = paginate(s.fulfillmentOrders.filter((f) => f.orderId === order.id), 5, after);
        node.fulfillmentOrders = { pageInfo: page.pageInfo, nodes: page.nodes.map((f) => fulfillmentOrderNode(f)) };
      } else if (/fulfillments/.test(query)) {
        node.fulfillments = s.fulfillments.filter((f) => f.orderId === order.id).slice(0, 15).map(fulfillmentNode);
      } else if (/lineItems/.test(query)) {
        node.lineItems = lineItemsConnection(order, after);
      }
      return { data: { order: node } };
    }
    case "fulfillmentOrder": {
      const fo = s.fulfillmentOrders.find((f) => f.id === gidTail(String(v.id ?? "")));
      return { data: { fulfillmentOrder: fo ? { id: gid("FulfillmentOrder", fo.id), lineItems: fulfillmentOrderLines(fo, after) } : null } };
    }
    case "fulfillment": {
      const f = s.fulfillments.find((x) => x.id === gidTail(String(v.id ?? "")));
      return { data: { fulfillment: f ? { id: gid("Fulfillment", f.id), fulfillmentLineItems: fulfillmentLines(f, 50, after) } : null } };
    }
    case "productVariants": {
      const q = typeof v.query === "string" ? v.query : "";
      const sku = /sku:(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/.exec(q);
      const wanted = sku ? (sku[1]?.replace(/\\(.)/g, "$1") ?? sku[2] ?? sku[3]) : undefined;
      const hits = s.variants.filter((x) => wanted === undefined || x.sku.toLowerCase().includes(wanted.toLowerCase())).slice(0, 5);
      return { data: { productVariants: { nodes: hits.map((x) => ({ id: gid("ProductVariant", x.id), sku: x.sku, inventoryItem: { id: gid("InventoryItem", x.inventoryItemId) } })) } } };
    }
    case "locations": {
      const page = paginate(s.locations, numberOr(v.first, 10), after);
      return { data: { locations: { pageInfo: page.pageInfo, nodes: page.nodes.map((l) => ({ id: gid("Location", l.id), name: l.name, isActive: l.isActive })) } } };
    }
    case "location": {
      const loc = s.locations.find((l) => l.id === gidTail(String(v.id ?? "")));
      if (!loc) return { data: { location: null } };
      const page = paginate(s.levels.filter((l) => l.locationId === loc.id), numberOr(v.first, 50), after);
      return { data: { location: { id: gid("Location", loc.id), inventoryLevels: { pageInfo: page.pageInfo, nodes: page.nodes.map((l) => levelNode(s, l)) } } } };
    }
    case "inventoryItem": {
      const variant = s.variantByInventoryItem(gidTail(String(v.itemId ?? "")));
      if (!variant) return { data: { inventoryItem: null } };
      const level = s.level(variant.inventoryItemId, gidTail(String(v.locationId ?? "")));
      return { data: { inventoryItem: { id: gid("InventoryItem", variant.inventoryItemId), sku: variant.sku, inventoryLevel: level ? levelNode(s, level) : null } } };
    }
    case "refund": {
      const refund = s.refunds.find((r) => r.id === gidTail(String(v.id ?? "")));
      return { data: { refund: refund ? refundNode(s, refund) : null } };
    }
    default:
      return { errors: [{ message: `Field '${op.root}' doesn't exist on type 'QueryRoot'`, extensions: { code: "undefinedField", typeName: "QueryRoot", fieldName: op.root } }] };
  }
}

/** Shopify search syntax, the part the client uses: created_at / updated_at comparisons. */
function orderFilter(query: string): (o: SandboxOrder) => boolean {
  const terms = [...query.matchAll(/(created_at|updated_at):(>=|<=|>|<)'?([^'\s]+)'?/g)];
  return (o) =>
    terms.every(([, field, cmp, value]) => {
      const at = Date.parse(field === "created_at" ? o.createdAt : o.updatedAt);
      const ref = Date.parse(value!);
      return cmp === ">=" ? at >= ref : cmp === ">" ? at > ref : cmp === "<=" ? at <= ref : at < ref;
    });
}

function paginate<T>(items: T[], first: number, after?: string): { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } {
  const start = after ? Number(Buffer.from(after, "base64url").toString("utf8").replace(/^cursor:/, "")) + 1 : 0;
  const nodes = items.slice(start, start + first);
  const end = start + nodes.length - 1;
  return { nodes, pageInfo: { hasNextPage: start + first < items.length, endCursor: nodes.length ? Buffer.from(`cursor:${end}`).toString("base64url") : null } };
}

function numberOr(v: unknown, d: number): number {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? Math.min(v, 250) : d;
}

function gid(resource: string, id: string): string {
  return `gid://shopify/${resource}/${id}`;
}

function moneyBag(minor: number, currency: string) {
  return { shopMoney: { amount: fromMinorUnits(minor, currency), currencyCode: currency } };
}

function lineItemsConnection(order: SandboxOrder, after?: string) {
  const page = paginate(order.lines, 50, after);
  return { pageInfo: page.pageInfo, nodes: page.nodes.map((l) => ({ id: gid("LineItem", l.id), sku: l.sku, name: l.title, quantity: l.quantity, currentQuantity: l.currentQuantity })) };
}

function orderNode(s: ShopifySandboxState, o: SandboxOrder) {
  const current = currentTotals(s, o);
  const financial = { paid: "PAID", partially_refunded: "PARTIALLY_REFUNDED", refunded: "REFUNDED", voided: "VOIDED" }[o.financialStatus];
  return {
    id: gid("Order", o.id),
    name: o.name,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    cancelledAt: o.cancelledAt ?? null,
    displayFulfillmentStatus: s.fulfillmentStatus(o),
    displayFinancialStatus: financial,
    currencyCode: o.currency,
    currentTotalPriceSet: moneyBag(current.total, o.currency),
    currentSubtotalPriceSet: moneyBag(current.subtotal, o.currency),
    currentTotalTaxSet: moneyBag(current.tax, o.currency),
    currentTotalDiscountsSet: moneyBag(current.discounts, o.currency),
    lineItems: lineItemsConnection(o),
  };
}

function fulfillmentOrderLines(fo: SandboxFulfillmentOrder, after?: string) {
  const page = paginate(fo.lines, 50, after);
  return {
    pageInfo: page.pageInfo,
    nodes: page.nodes.map((l) => ({ id: gid("FulfillmentOrderLineItem", l.id), sku: l.sku, remainingQuantity: l.remainingQuantity, totalQuantity: l.totalQuantity, lineItem: { id: gid("LineItem", l.orderLineId), sku: l.sku } })),
  };
}

function fulfillmentOrderNode(fo: SandboxFulfillmentOrder) {
  return { id: gid("FulfillmentOrder", fo.id), status: fo.status, assignedLocation: { location: { id: gid("Location", fo.locationId) } }, lineItems: fulfillmentOrderLines(fo) };
}

function fulfillmentLines(f: SandboxFulfillment, first: number, after?: string) {
  const page = paginate(f.lines, first, after);
  return { pageInfo: page.pageInfo, nodes: page.nodes.map((l) => ({ quantity: l.quantity, lineItem: { id: gid("LineItem", l.orderLineId), sku: l.sku } })) };
}

function fulfillmentNode(f: SandboxFulfillment) {
  return {
    id: gid("Fulfillment", f.id),
    name: f.name,
    status: f.status,
    createdAt: f.createdAt,
    trackingInfo: f.tracking.number || f.tracking.company ? [{ company: f.tracking.company ?? null, number: f.tracking.number ?? null, url: f.tracking.url ?? null }] : [],
    fulfillmentLineItems: fulfillmentLines(f, 15),
  };
}

function levelNode(s: ShopifySandboxState, l: SandboxLevel) {
  return {
    id: `gid://shopify/InventoryLevel/${l.locationId}?inventory_item_id=${l.inventoryItemId}`,
    updatedAt: l.updatedAt,
    item: { id: gid("InventoryItem", l.inventoryItemId), sku: s.variantByInventoryItem(l.inventoryItemId)?.sku ?? null },
    location: { id: gid("Location", l.locationId) },
    quantities: [
      { name: "available", quantity: l.available },
      { name: "on_hand", quantity: l.onHand },
      { name: "committed", quantity: l.committed },
    ],
  };
}

function refundNode(s: ShopifySandboxState, r: SandboxRefund) {
  const o = s.orders.find((x) => x.id === r.orderId)!;
  return {
    id: gid("Refund", r.id),
    createdAt: r.createdAt,
    note: r.note ?? null,
    order: { id: gid("Order", o.id), name: o.name },
    totalRefundedSet: moneyBag(r.totalMinor, o.currency),
    refundLineItems: {
      nodes: r.lines.map((l) => ({
        quantity: l.quantity,
        restockType: l.restockType.toUpperCase(),
        location: l.locationId ? { id: gid("Location", l.locationId) } : null,
        lineItem: { id: gid("LineItem", l.orderLineId), sku: l.sku, name: o.lines.find((x) => x.id === l.orderLineId)?.title ?? null },
        subtotalSet: moneyBag(l.subtotalMinor, o.currency),
        totalTaxSet: moneyBag(l.taxMinor, o.currency),
      })),
    },
  };
}

// ---------------------------------------------------------------- mutations

function runMutation(ctx: GraphqlContext, op: ParsedOperation, v: Record<string, unknown>): Result {
  const key = op.idempotencyKey;
  const { idempotencyKey: _omit, ...rest } = v;
  const fingerprint = JSON.stringify(rest);
  if (key) {
    const stored = ctx.state.idempotency.get(key);
    if (stored && stored.operation === op.root && stored.fingerprint === fingerprint) return stored.response as Result;
    if (stored) return { errors: [{ message: "The idempotency key was already used with a different request.", extensions: { code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" } }] };
  }
  const result = resolveMutation(ctx, op, v);
  const payload = result.data?.[op.root] as { userErrors?: unknown[] } | undefined;
  // Only completed writes are remembered: a request refused with userErrors wrote nothing.
  if (key && !result.errors && payload && (payload.userErrors?.length ?? 0) === 0) ctx.state.idempotency.set(key, { operation: op.root, fingerprint, response: result });
  return result;
}

function resolveMutation(ctx: GraphqlContext, op: ParsedOperation, v: Record<string, unknown>): Result {
  switch (op.root) {
    case "fulfillmentCreate": {
      const input = FulfillmentInput.safeParse(v.fulfillment);
      if (!input.success) return invalidVariable("fulfillment", "FulfillmentInput!", input.error.issues[0]);
      const res = ctx.state.createFulfillment(input.data, (orderName) => ctx.rejection(orderName));
      if (res.fulfillment) ctx.onFulfillmentCreated(res.fulfillment);
      return { data: { fulfillmentCreate: { fulfillment: res.fulfillment ? fulfillmentNode(res.fulfillment) : null, userErrors: res.userErrors.map(({ field, message }) => ({ field, message })) } } };
    }
    case "inventorySetQuantities": {
      const input = InventorySetQuantitiesInput.safeParse(v.input);
      if (!input.success) return invalidVariable("input", "InventorySetQuantitiesInput!", input.error.issues[0]);
      const res = ctx.state.setQuantities(input.data, ctx.version, (sku) => ctx.rejection(sku));
      if (res.group) {
        ctx.onLevelsChanged(res.group.changes.map((c) => ctx.state.level(c.inventoryItemId, c.locationId)!));
      }
      return {
        data: {
          inventorySetQuantities: {
            inventoryAdjustmentGroup: res.group
              ? {
                  id: gid("InventoryAdjustmentGroup", res.group.id),
                  reason: res.group.reason,
                  changes: res.group.changes.flatMap((c) => [
                    { name: "available", delta: c.delta, quantityAfterChange: null },
                    { name: "on_hand", delta: c.delta, quantityAfterChange: null },
                  ]),
                }
              : null,
            userErrors: res.userErrors,
          },
        },
      };
    }
    default:
      return { errors: [{ message: `Field '${op.root}' doesn't exist on type 'Mutation'`, extensions: { code: "undefinedField", typeName: "Mutation", fieldName: op.root } }] };
  }
}

function invalidVariable(name: string, type: string, issue: { path: PropertyKey[]; message: string } | undefined): Result {
  return {
    errors: [{
      message: `Variable $${name} of type ${type} was provided invalid value for ${issue?.path.map(String).join(".") ?? name} (${issue?.message ?? "invalid"})`,
      extensions: { code: "INVALID_VARIABLE", value: null, problems: [{ path: issue?.path.map(String) ?? [], explanation: issue?.message ?? "invalid" }] },
    }],
  };
}
