CREATE TABLE "bank_requests" (
	"bank_id" text NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"fingerprint" text NOT NULL,
	"result_id" text NOT NULL,
	"result" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_requests_bank_id_key_pk" PRIMARY KEY("bank_id","key")
);
--> statement-breakpoint
ALTER TABLE "financing_solutions" ADD COLUMN "cultivation_items" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "loans" ADD COLUMN "relending_quota_id" text;