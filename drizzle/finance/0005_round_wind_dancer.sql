CREATE TABLE "bank_claim_standing" (
	"bank_id" text PRIMARY KEY NOT NULL,
	"suspended_until" timestamp with time zone,
	"suspended_reason" text,
	"counted_from" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "need_claims" (
	"id" text PRIMARY KEY NOT NULL,
	"need_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_at" timestamp with time zone,
	"outcome" text
);
--> statement-breakpoint
CREATE INDEX "need_claims_bank_idx" ON "need_claims" USING btree ("bank_id","claimed_at");--> statement-breakpoint
CREATE INDEX "need_claims_need_idx" ON "need_claims" USING btree ("need_id","bank_id");--> statement-breakpoint
CREATE INDEX "need_claims_claimed_idx" ON "need_claims" USING btree ("claimed_at","bank_id");