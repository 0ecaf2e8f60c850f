CREATE TABLE "kept_answers" (
	"id" text PRIMARY KEY NOT NULL,
	"connector" text NOT NULL,
	"event_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"kind" text NOT NULL,
	"reference" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"tries" integer DEFAULT 1 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "kept_answers_due_idx" ON "kept_answers" USING btree ("next_attempt_at") WHERE status = 'pending';