DROP INDEX "credit_lines_approved_idx";--> statement-breakpoint
CREATE INDEX "loans_disbursed_stats_idx" ON "loans" USING btree ("disbursed_on","bank_id","amount_fen","first_loan","enterprise_id");--> statement-breakpoint
CREATE INDEX "loans_outstanding_idx" ON "loans" USING btree ("bank_id","disbursed_on","outstanding_fen") WHERE "loans"."outstanding_fen" > 0;--> statement-breakpoint
CREATE INDEX "credit_lines_approved_idx" ON "credit_lines" USING btree ("approved_on","bank_id","amount_fen");