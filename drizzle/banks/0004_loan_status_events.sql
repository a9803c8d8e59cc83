CREATE TABLE "loan_status_events" (
	"id" text PRIMARY KEY NOT NULL,
	"loan_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"status" text NOT NULL,
	"occurred_on" date NOT NULL,
	"outstanding_fen" bigint NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "loan_status_events" ADD CONSTRAINT "loan_status_events_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "loan_status_events_loan_idx" ON "loan_status_events" USING btree ("loan_id","occurred_on");--> statement-breakpoint
CREATE INDEX "loan_status_events_enterprise_idx" ON "loan_status_events" USING btree ("enterprise_id");--> statement-breakpoint
-- Loans already overdue or defaulted when the history began: one entry each, dated at their maturity (today, if that is still to come).
INSERT INTO "loan_status_events" ("id", "loan_id", "bank_id", "enterprise_id", "status", "occurred_on", "outstanding_fen")
SELECT 'lse-' || "id" || '-' || lower("status"), "id", "bank_id", "enterprise_id", "status", least("matures_on", current_date), "outstanding_fen"
FROM "loans" WHERE "status" IN ('OVERDUE', 'DEFAULTED');
