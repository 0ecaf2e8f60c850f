CREATE TABLE "attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"delivery_id" text,
	"stage" text NOT NULL,
	"destination" text,
	"attempt_no" integer DEFAULT 1 NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"outcome" text NOT NULL,
	"error_class" text,
	"error_message" text,
	"upstream" jsonb,
	"external_id" text,
	"next_attempt_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"reason" text,
	"before" jsonb,
	"after" jsonb,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connector_instances" (
	"id" text PRIMARY KEY NOT NULL,
	"connector_type" text NOT NULL,
	"display_name" text NOT NULL,
	"base_url" text,
	"credentials_enc" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"owner" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"auth_state" text DEFAULT 'unknown' NOT NULL,
	"auth_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversation_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"role" text NOT NULL,
	"content" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text,
	"title" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"destination" text NOT NULL,
	"action" text NOT NULL,
	"depends_on" text,
	"idempotency_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"external_id" text,
	"last_error_class" text,
	"last_error" text,
	"failure_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "duplicate_captures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source_connector" text NOT NULL,
	"source_event_id" text NOT NULL,
	"original_event_id" text,
	"raw_payload_id" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"schema_version" integer NOT NULL,
	"type" text NOT NULL,
	"source_connector" text NOT NULL,
	"source_event_id" text NOT NULL,
	"order_number" text,
	"po_number" text,
	"skus" text[] DEFAULT '{}'::text[] NOT NULL,
	"customer" text,
	"correlation_id" text NOT NULL,
	"causation_id" text,
	"raw_payload_id" text,
	"payload" jsonb,
	"status" text DEFAULT 'received' NOT NULL,
	"open_deliveries" integer DEFAULT 0 NOT NULL,
	"parked_deliveries" integer DEFAULT 0 NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "failure_groups" (
	"key" text PRIMARY KEY NOT NULL,
	"root_cause" text NOT NULL,
	"title" text NOT NULL,
	"connector" text,
	"owner" text,
	"status" text DEFAULT 'open' NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbound_notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"connector" text NOT NULL,
	"source_event_id" text NOT NULL,
	"resource" text NOT NULL,
	"topic" text,
	"raw_payload_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"event_ids" text[],
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mappings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"connector" text NOT NULL,
	"source_key" text NOT NULL,
	"target_key" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mcp_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scopes" text[] NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "mcp_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "parked_deliveries" (
	"delivery_id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"destination" text NOT NULL,
	"error_class" text NOT NULL,
	"reason" text NOT NULL,
	"field" text,
	"parked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_at" timestamp with time zone,
	"released_by" text
);
--> statement-breakpoint
CREATE TABLE "quarantine" (
	"id" text PRIMARY KEY NOT NULL,
	"connector" text NOT NULL,
	"reason_code" text NOT NULL,
	"reason" text NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"body" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replayed_at" timestamp with time zone,
	"replayed_event_id" text
);
--> statement-breakpoint
CREATE TABLE "raw_payloads" (
	"id" text PRIMARY KEY NOT NULL,
	"connector" text NOT NULL,
	"content_type" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"body" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recon_diffs" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"domain" text NOT NULL,
	"subject" text NOT NULL,
	"kind" text NOT NULL,
	"severity" text DEFAULT 'warning' NOT NULL,
	"sides" jsonb NOT NULL,
	"evidence" jsonb NOT NULL,
	"explanation" text,
	"status" text DEFAULT 'open' NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recon_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"status" text DEFAULT 'running' NOT NULL,
	"checked" integer DEFAULT 0 NOT NULL,
	"diff_count" integer DEFAULT 0 NOT NULL,
	"summary" jsonb
);
--> statement-breakpoint
CREATE TABLE "remediations" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"title" text NOT NULL,
	"rationale" text NOT NULL,
	"params" jsonb NOT NULL,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dry_run" jsonb,
	"failure_key" text,
	"proposed_by" text NOT NULL,
	"decided_by" text,
	"approved_by_policy" text,
	"decision_reason" text,
	"outcome" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"applied_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "routing_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"priority" integer DEFAULT 100 NOT NULL,
	"match" jsonb NOT NULL,
	"destinations" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"stop_on_match" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sequences" (
	"name" text PRIMARY KEY NOT NULL,
	"value" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"id" text PRIMARY KEY NOT NULL,
	"cursor" jsonb NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_polled_at" timestamp with time zone,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"day" text NOT NULL,
	"connector" text NOT NULL,
	"direction" text NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_daily_day_connector_direction_pk" PRIMARY KEY("day","connector","direction")
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parked_deliveries" ADD CONSTRAINT "parked_deliveries_delivery_id_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attempts_event_idx" ON "attempts" USING btree ("event_id","started_at");--> statement-breakpoint
CREATE INDEX "attempts_dest_started_idx" ON "attempts" USING btree ("destination","started_at");--> statement-breakpoint
CREATE INDEX "attempts_error_fts" ON "attempts" USING gin (to_tsvector('simple', coalesce("error_message", '')));--> statement-breakpoint
CREATE UNIQUE INDEX "audit_id_uq" ON "audit_log" USING btree ("id");--> statement-breakpoint
CREATE INDEX "audit_subject_idx" ON "audit_log" USING btree ("subject");--> statement-breakpoint
CREATE INDEX "conv_messages_idx" ON "conversation_messages" USING btree ("conversation_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_idem_uq" ON "deliveries" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "deliveries_event_idx" ON "deliveries" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "deliveries_status_next_idx" ON "deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "deliveries_dest_status_idx" ON "deliveries" USING btree ("destination","status");--> statement-breakpoint
CREATE INDEX "deliveries_failure_key_idx" ON "deliveries" USING btree ("failure_key");--> statement-breakpoint
CREATE INDEX "deliveries_depends_on_idx" ON "deliveries" USING btree ("depends_on");--> statement-breakpoint
CREATE INDEX "duplicate_captures_source_idx" ON "duplicate_captures" USING btree ("source_connector","source_event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_source_uq" ON "events" USING btree ("source_connector","source_event_id");--> statement-breakpoint
CREATE INDEX "events_order_number_idx" ON "events" USING btree ("order_number");--> statement-breakpoint
CREATE INDEX "events_po_number_idx" ON "events" USING btree ("po_number");--> statement-breakpoint
CREATE INDEX "events_skus_gin" ON "events" USING gin ("skus");--> statement-breakpoint
CREATE INDEX "events_customer_idx" ON "events" USING btree ("customer");--> statement-breakpoint
CREATE INDEX "events_correlation_idx" ON "events" USING btree ("correlation_id");--> statement-breakpoint
CREATE INDEX "events_status_received_idx" ON "events" USING btree ("status","received_at");--> statement-breakpoint
CREATE INDEX "events_received_idx" ON "events" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_notifications_source_uq" ON "inbound_notifications" USING btree ("connector","source_event_id");--> statement-breakpoint
CREATE INDEX "inbound_notifications_status_idx" ON "inbound_notifications" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "mappings_uq" ON "mappings" USING btree ("kind","connector","source_key");--> statement-breakpoint
CREATE INDEX "parked_open_idx" ON "parked_deliveries" USING btree ("released_at","destination");--> statement-breakpoint
CREATE INDEX "quarantine_received_idx" ON "quarantine" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "recon_diffs_run_idx" ON "recon_diffs" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "recon_diffs_subject_idx" ON "recon_diffs" USING btree ("domain","subject");--> statement-breakpoint
CREATE INDEX "remediations_status_idx" ON "remediations" USING btree ("status","created_at");