CREATE TABLE "enterprise_notice_receipts" (
	"notice_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"read_by" text NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "enterprise_notice_receipts_notice_id_enterprise_id_pk" PRIMARY KEY("notice_id","enterprise_id")
);
--> statement-breakpoint
ALTER TABLE "notices" ADD COLUMN "district" text;--> statement-breakpoint
ALTER TABLE "notices" ADD COLUMN "industry" text;--> statement-breakpoint
ALTER TABLE "enterprise_notice_receipts" ADD CONSTRAINT "enterprise_notice_receipts_notice_id_notices_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enterprise_notice_receipts_enterprise_idx" ON "enterprise_notice_receipts" USING btree ("enterprise_id");