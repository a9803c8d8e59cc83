CREATE TABLE "annual_financials" (
	"enterprise_id" text NOT NULL,
	"year" integer NOT NULL,
	"revenue_fen" bigint NOT NULL,
	"rd_expense_fen" bigint NOT NULL,
	"employees" integer NOT NULL,
	"tech_staff" integer NOT NULL,
	"total_assets_fen" bigint NOT NULL,
	CONSTRAINT "annual_financials_enterprise_id_year_pk" PRIMARY KEY("enterprise_id","year")
);
--> statement-breakpoint
CREATE TABLE "enterprises" (
	"id" text PRIMARY KEY NOT NULL,
	"uscc" text NOT NULL,
	"name" text NOT NULL,
	"district" text NOT NULL,
	"industry" text NOT NULL,
	"stage" text NOT NULL,
	"founded_on" date NOT NULL,
	"high_tech_certificate" text,
	"high_tech_valid_until" date,
	"tech_sme_registered" boolean DEFAULT false NOT NULL,
	"library_status" text NOT NULL,
	"legal_representative" text NOT NULL,
	"contact_person" text NOT NULL,
	"phone" text NOT NULL,
	"address" text NOT NULL,
	"basic_account_bank_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "enterprises_uscc_unique" UNIQUE("uscc")
);
--> statement-breakpoint
CREATE TABLE "library_assessments" (
	"enterprise_id" text PRIMARY KEY NOT NULL,
	"year" integer NOT NULL,
	"high_tech_eligible" boolean NOT NULL,
	"rd_intensity" numeric(8, 6) NOT NULL,
	"tech_staff_ratio" numeric(8, 6) NOT NULL,
	"tech_sme_score" integer NOT NULL,
	"tech_sme_eligible" boolean NOT NULL,
	"prospect_rating" text NOT NULL,
	"policy_priority" text NOT NULL,
	"breakdown" jsonb NOT NULL,
	"notes" text,
	"assessed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "patents" (
	"id" text PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"status" text NOT NULL,
	"filed_on" date NOT NULL,
	"granted_on" date,
	"ipc_class" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"valuation_fen" bigint,
	"valued_on" date,
	"pledge_status" text DEFAULT 'NONE' NOT NULL,
	"pledgee_bank_id" text,
	CONSTRAINT "patents_number_unique" UNIQUE("number")
);
--> statement-breakpoint
ALTER TABLE "annual_financials" ADD CONSTRAINT "annual_financials_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library_assessments" ADD CONSTRAINT "library_assessments_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patents" ADD CONSTRAINT "patents_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enterprises_district_idx" ON "enterprises" USING btree ("district","id");--> statement-breakpoint
CREATE INDEX "enterprises_industry_idx" ON "enterprises" USING btree ("industry","id");--> statement-breakpoint
CREATE INDEX "enterprises_stage_idx" ON "enterprises" USING btree ("stage","id");--> statement-breakpoint
CREATE INDEX "enterprises_library_status_idx" ON "enterprises" USING btree ("library_status","id");--> statement-breakpoint
CREATE INDEX "enterprises_high_tech_idx" ON "enterprises" USING btree ("id") WHERE "enterprises"."high_tech_certificate" is not null;--> statement-breakpoint
CREATE INDEX "patents_enterprise_idx" ON "patents" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "patents_kind_idx" ON "patents" USING btree ("kind","id");--> statement-breakpoint
CREATE INDEX "patents_status_idx" ON "patents" USING btree ("status","id");