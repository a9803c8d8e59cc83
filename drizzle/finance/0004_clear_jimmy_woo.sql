ALTER TABLE "financing_needs" ADD COLUMN "declined_by" text;--> statement-breakpoint
ALTER TABLE "financing_needs" ADD COLUMN "decline_reason" text;--> statement-breakpoint
ALTER TABLE "financing_needs" ADD COLUMN "declined_at" timestamp with time zone;