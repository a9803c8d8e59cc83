ALTER TABLE "enterprise_profiles" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "enterprise_profiles" ADD COLUMN "uscc" text;--> statement-breakpoint
ALTER TABLE "enterprise_profiles" ADD COLUMN "stage" text;--> statement-breakpoint
ALTER TABLE "enterprise_profiles" ADD COLUMN "high_tech_certificate" text;--> statement-breakpoint
ALTER TABLE "enterprise_profiles" ADD COLUMN "patents" integer;--> statement-breakpoint
ALTER TABLE "enterprise_profiles" ADD COLUMN "inventions" integer;