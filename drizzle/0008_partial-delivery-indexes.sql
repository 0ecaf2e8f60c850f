DROP INDEX "attempts_error_fts";--> statement-breakpoint
DROP INDEX "deliveries_status_next_idx";--> statement-breakpoint
DROP INDEX "deliveries_failure_key_idx";--> statement-breakpoint
DROP INDEX "deliveries_depends_on_idx";--> statement-breakpoint
CREATE INDEX "attempts_error_fts" ON "attempts" USING gin (to_tsvector('simple', coalesce("error_message", ''))) WHERE "attempts"."error_message" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_status_next_idx" ON "deliveries" USING btree ("status","next_attempt_at") WHERE "deliveries"."status" in ('blocked', 'pending', 'in_flight', 'parked');--> statement-breakpoint
CREATE INDEX "deliveries_failure_key_idx" ON "deliveries" USING btree ("failure_key") WHERE "deliveries"."failure_key" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_depends_on_idx" ON "deliveries" USING btree ("depends_on") WHERE "deliveries"."depends_on" is not null;