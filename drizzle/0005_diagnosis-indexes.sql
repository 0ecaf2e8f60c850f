CREATE INDEX "events_source_received_idx" ON "events" USING btree ("source_connector","received_at");--> statement-breakpoint
CREATE INDEX "mappings_connector_source_idx" ON "mappings" USING btree ("connector","source_key");--> statement-breakpoint
CREATE INDEX "raw_payloads_connector_received_idx" ON "raw_payloads" USING btree ("connector","received_at");