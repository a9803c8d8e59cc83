CREATE TABLE "bank_events" (
	"key" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"need_id" text,
	"solution_id" text,
	"credit_line_id" text,
	"loan_id" text,
	"product_ids" text[] DEFAULT '{}' NOT NULL,
	"amount_fen" bigint NOT NULL,
	"rate" numeric(7, 6),
	"term_months" integer,
	"first_loan" boolean,
	"relending_quota_id" text,
	"occurred_on" date NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "bank_events_kind_idx" ON "bank_events" USING btree ("kind","occurred_on","bank_id");--> statement-breakpoint
CREATE INDEX "bank_events_bank_idx" ON "bank_events" USING btree ("bank_id","occurred_on");--> statement-breakpoint
CREATE INDEX "bank_events_need_idx" ON "bank_events" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "bank_events_credit_line_idx" ON "bank_events" USING btree ("credit_line_id");--> statement-breakpoint
CREATE INDEX "bank_events_loan_idx" ON "bank_events" USING btree ("loan_id");