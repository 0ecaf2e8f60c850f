CREATE TABLE "inbound_interchanges" (
	"partner_id" text NOT NULL,
	"control_number" text NOT NULL,
	"connector" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_interchanges_uq" ON "inbound_interchanges" USING btree ("partner_id","control_number");