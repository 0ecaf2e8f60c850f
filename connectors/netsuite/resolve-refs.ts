import { ClassifiedError } from "../../pipeline/errors";
import type { Order } from "../../pipeline/model";
import type { MappingLookup } from "../sdk/definition";
import type { NetSuiteClient } from "./client";
import { customerExternalId } from "./external-ids";
import { toCustomerBody, unknownSkuError } from "./map";
import type { NetSuiteSettings } from "./settings";

/**
 * The lookups a delivery needs before map.ts can shape a body: our mappings table first (a
 * human's explicit choice wins), NetSuite itself second.
 */

/** SKU → item internal id via the netsuite_item mapping, then item.itemid; unknown SKUs are a validation error. */
export async function resolveItemIds(client: NetSuiteClient, mappings: MappingLookup, skus: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const missing: string[] = [];
  for (const sku of new Set(skus)) {
    const mapped = await mappings.get("netsuite_item", sku);
    if (mapped) ids.set(sku, mapped);
    else missing.push(sku);
  }
  if (missing.length) {
    const found = await client.findItemIdsBySku(missing);
    for (const [sku, id] of found) ids.set(sku, id);
  }
  const unknown = [...new Set(skus)].filter((s) => !ids.has(s));
  if (unknown.length) throw unknownSkuError(unknown);
  return ids;
}

/** A fulfilment node or restock location name → location internal id (mapping netsuite_location, then location.name). */
export async function resolveLocationId(client: NetSuiteClient, mappings: MappingLookup, node: string): Promise<string | undefined> {
  return (await mappings.get("netsuite_location", node)) ?? (await client.findLocationIdByName(node));
}

/** The routed node when routing chose one, else the configured default; undefined leaves it to NetSuite. */
export async function resolveOrderLocation(client: NetSuiteClient, mappings: MappingLookup, settings: NetSuiteSettings): Promise<string | undefined> {
  if (settings.routedNode) return resolveRoutedNode(client, mappings, settings.routedNode);
  return settings.defaultLocationId;
}

/** Order line id → location internal id, for the lines routing placed (settings.routedLines). */
export async function resolveLineLocations(client: NetSuiteClient, mappings: MappingLookup, settings: NetSuiteSettings): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const byNode = new Map<string, string>();
  for (const [lineId, node] of Object.entries(settings.routedLines ?? {})) {
    if (!byNode.has(node)) byNode.set(node, await resolveRoutedNode(client, mappings, node));
    out.set(lineId, byNode.get(node)!);
  }
  return out;
}

async function resolveRoutedNode(client: NetSuiteClient, mappings: MappingLookup, node: string): Promise<string> {
  const id = await resolveLocationId(client, mappings, node);
  if (!id) throw new ClassifiedError({ errorClass: "validation", field: "location", reason: `node ${node} has no NetSuite location`, message: `routing chose node ${node}, which matches no netsuite_location mapping and no NetSuite location name` });
  return id;
}

/**
 * The customer an order is booked to: the configured default customer, or the customer upserted
 * by (hashed) e-mail so repeat buyers land on one record.
 */
export async function resolveEntity(client: NetSuiteClient, order: Order, settings: NetSuiteSettings): Promise<string> {
  if (settings.defaultCustomerId) return settings.defaultCustomerId;
  const email = order.customer.email?.trim();
  if (!email) {
    throw new ClassifiedError({ errorClass: "validation", field: "customer.email", reason: `order ${order.orderNumber} has no customer e-mail and settings.defaultCustomerId is not set`, message: `cannot choose a NetSuite customer for order ${order.orderNumber}` });
  }
  return client.upsertCustomer(customerExternalId(email), toCustomerBody(order, settings));
}
