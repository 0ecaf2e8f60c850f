import type { SandboxSeed } from "../sdk/sandbox-kit";

/**
 * The sandbox world's catalog. The channel sells one SKU the ERP has never heard of (ZZ-99), so a
 * newcomer finds a real failure to investigate: "SKU ZZ-99 has no NetSuite item".
 */
const CATALOG = [
  { sku: "AB-12", title: "Alpine Bottle 12oz", priceMinor: 2400, barcode: "012345678905", weightGrams: 350 },
  { sku: "CM-01", title: "Camp Mug", priceMinor: 1800, barcode: "012345678912", weightGrams: 300 },
  { sku: "TR-20", title: "Trail Rope 20m", priceMinor: 4500, barcode: "012345678929", weightGrams: 1200 },
  { sku: "HL-03", title: "Head Lamp", priceMinor: 3900, barcode: "012345678936", weightGrams: 150 },
  { sku: "SB-40", title: "Stuff Sack 40L", priceMinor: 2900, barcode: "012345678943", weightGrams: 200 },
  { sku: "FK-02", title: "Folding Knife", priceMinor: 5500, barcode: "012345678950", weightGrams: 120 },
];

export const UNMAPPED_SKU = { sku: "ZZ-99", title: "Limited Edition Flask", priceMinor: 6900, barcode: "012345678967", weightGrams: 400 };

/**
 * Stock per node: the 3PL ("main") holds most, a second warehouse ("east") some. The 3PL runs
 * low on Folding Knives, so the live traffic soon routes some orders to east or splits them.
 */
const STOCK: Record<string, Record<string, number>> = {
  main: { "AB-12": 400, "CM-01": 250, "TR-20": 120, "HL-03": 300, "SB-40": 180, "FK-02": 8 },
  east: { "AB-12": 60, "CM-01": 40, "TR-20": 0, "HL-03": 25, "SB-40": 30, "FK-02": 60 },
};

/** What the ERP knows: the catalog and every node's stock. */
export const ERP_SEED: SandboxSeed = { currency: "USD", catalog: CATALOG, stock: STOCK };

/**
 * What the channel lists: the catalog plus the SKU the ERP lacks, with a location per fulfilment
 * node (Shopify sells what they hold together; an order may draw on both).
 */
export const CHANNEL_SEED: SandboxSeed = {
  currency: "USD",
  catalog: [...CATALOG, UNMAPPED_SKU],
  stock: { main: { ...STOCK.main, "ZZ-99": 25 }, east: { ...STOCK.east } },
};

/** The 3PL's own counts (a separate system of record: it may drift). */
export const THREE_PL_SEED: SandboxSeed = { currency: "USD", catalog: CATALOG, stock: { main: STOCK.main! } };

/** The second warehouse runs its own ShipStation account, with one warehouse named like its node. */
export const EAST_WAREHOUSE_SEED: SandboxSeed = { currency: "USD", catalog: CATALOG, stock: { east: STOCK.east! } };

export const ACCOUNTING_SEED: SandboxSeed = { currency: "USD", catalog: [...CATALOG, UNMAPPED_SKU] };
