CREATE TABLE "consents" (
	"id" text PRIMARY KEY NOT NULL,
	"enterprise_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"data_sets" text[] NOT NULL,
	"purpose" text NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "disclosures" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"operation_name" text,
	"party" text NOT NULL,
	"org" text,
	"subject" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"fields" text[] NOT NULL,
	"basis" jsonb NOT NULL,
	"purpose" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "consents_enterprise_idx" ON "consents" USING btree ("enterprise_id","bank_id");--> statement-breakpoint
CREATE INDEX "consents_bank_idx" ON "consents" USING btree ("bank_id","enterprise_id");--> statement-breakpoint
CREATE INDEX "disclosures_enterprise_idx" ON "disclosures" USING btree ("enterprise_id","seq");--> statement-breakpoint
CREATE INDEX "disclosures_org_idx" ON "disclosures" USING btree ("org","seq");