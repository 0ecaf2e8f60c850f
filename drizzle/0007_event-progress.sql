CREATE TABLE "event_progress" (
	"event_id" text PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"open_deliveries" integer DEFAULT 0 NOT NULL,
	"parked_deliveries" integer DEFAULT 0 NOT NULL
) WITH (fillfactor = 80);
--> statement-breakpoint
-- Hand-added: existing events keep where they stood.
INSERT INTO "event_progress" ("event_id", "status", "open_deliveries", "parked_deliveries")
  SELECT "id", "status", "open_deliveries", "parked_deliveries" FROM "events";--> statement-breakpoint
DROP INDEX "events_status_received_idx";--> statement-breakpoint
ALTER TABLE "event_progress" ADD CONSTRAINT "event_progress_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "event_progress_unsettled_idx" ON "event_progress" USING btree ("status") WHERE "event_progress"."status" not in ('delivered', 'skipped');--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "status";--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "open_deliveries";--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "parked_deliveries";