CREATE TABLE "fulfilment_commitments" (
	"order_id" text NOT NULL,
	"line_id" text NOT NULL,
	"sku" text NOT NULL,
	"node" text NOT NULL,
	"quantity" integer NOT NULL,
	"event_id" text NOT NULL,
	"ack_delivery_id" text,
	"committed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_at" timestamp with time zone,
	"release_reason" text,
	CONSTRAINT "fulfilment_commitments_order_id_line_id_pk" PRIMARY KEY("order_id","line_id")
);
--> statement-breakpoint
CREATE TABLE "fulfilment_decisions" (
	"order_id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"decision" jsonb NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fulfilment_nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"stock_connector" text NOT NULL,
	"stock_location" text NOT NULL,
	"ship_connector" text NOT NULL,
	"ship_warehouse" text,
	"sla_days" integer NOT NULL,
	"cost_per_order_minor" integer DEFAULT 0 NOT NULL,
	"cost_per_unit_minor" integer DEFAULT 0 NOT NULL,
	"priority" integer DEFAULT 100 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "settings" jsonb;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "hold" jsonb;--> statement-breakpoint
CREATE INDEX "fulfilment_commitments_open_idx" ON "fulfilment_commitments" USING btree ("sku","node") WHERE "fulfilment_commitments"."released_at" is null;--> statement-breakpoint
CREATE INDEX "events_inventory_level_idx" ON "events" USING btree ("source_connector",("payload"->>'sku'),("payload"->>'location'),"occurred_at") WHERE "events"."type" = 'inventory.level';