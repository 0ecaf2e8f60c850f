CREATE TABLE "recon_settings" (
	"domain" text PRIMARY KEY NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
ALTER TABLE "recon_diffs" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recon_diffs" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recon_diffs" ADD COLUMN "failure_key" text;--> statement-breakpoint
CREATE INDEX "recon_diffs_domain_status_idx" ON "recon_diffs" USING btree ("domain","status");