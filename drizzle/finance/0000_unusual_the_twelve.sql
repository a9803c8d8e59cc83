CREATE TABLE "financial_products" (
	"id" text PRIMARY KEY NOT NULL,
	"bank_id" text NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"collateral" text[] NOT NULL,
	"min_amount_fen" bigint NOT NULL,
	"max_amount_fen" bigint NOT NULL,
	"rate_floor" numeric(7, 6) NOT NULL,
	"rate_cap" numeric(7, 6) NOT NULL,
	"max_term_months" integer NOT NULL,
	"requires_high_tech" boolean DEFAULT false NOT NULL,
	"requires_patents" boolean DEFAULT false NOT NULL,
	"published" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "financing_needs" (
	"id" text PRIMARY KEY NOT NULL,
	"enterprise_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"term_months" integer NOT NULL,
	"purpose" text NOT NULL,
	"collateral" text[] NOT NULL,
	"visibility" text NOT NULL,
	"status" text NOT NULL,
	"main_bank_id" text,
	"main_bank_basis" text,
	"preferred_bank_id" text,
	"submitted_at" timestamp with time zone NOT NULL,
	"assigned_at" timestamp with time zone,
	"solution_due_at" timestamp with time zone,
	"solution_proposed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listing_tiers" (
	"enterprise_id" text PRIMARY KEY NOT NULL,
	"tier" text NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "financial_products_bank_idx" ON "financial_products" USING btree ("bank_id","id");--> statement-breakpoint
CREATE INDEX "financial_products_category_idx" ON "financial_products" USING btree ("category","id");--> statement-breakpoint
CREATE INDEX "financing_needs_enterprise_idx" ON "financing_needs" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "financing_needs_status_idx" ON "financing_needs" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "financing_needs_main_bank_idx" ON "financing_needs" USING btree ("main_bank_id","id");--> statement-breakpoint
CREATE INDEX "financing_needs_open_idx" ON "financing_needs" USING btree ("id") WHERE "financing_needs"."visibility" = 'OPEN_TO_ALL_BANKS' and "financing_needs"."status" = 'OPEN';--> statement-breakpoint
CREATE INDEX "financing_needs_updated_idx" ON "financing_needs" USING btree ("updated_at","id");