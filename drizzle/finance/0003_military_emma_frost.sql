CREATE TABLE "bank_events" (
	"key" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"need_id" text,
	"solution_id" text,
	"credit_line_id" text,
	"loan_id" text,
	"product_ids" text[] DEFAULT '{}' NOT NULL,
	"amount_fen" bigint NOT NULL,
	"rate" numeric(7, 6),
	"term_months" integer,
	"first_loan" boolean,
	"relending_quota_id" text,
	"occurred_on" date NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cultivation_items" (
	"id" text PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"department" text,
	"department_name" text,
	"status" text NOT NULL,
	"note" text,
	"due_on" date,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cultivation_plans" (
	"id" text PRIMARY KEY NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"goal" text NOT NULL,
	"target_amount_fen" bigint,
	"status" text NOT NULL,
	"closing_note" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guarantee_losses" (
	"id" text PRIMARY KEY NOT NULL,
	"guarantee_id" text NOT NULL,
	"event_key" text NOT NULL,
	"loan_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"defaulted_amount_fen" bigint NOT NULL,
	"covered_loss_fen" bigint NOT NULL,
	"guarantor_share_fen" bigint NOT NULL,
	"re_guarantee_share_fen" bigint NOT NULL,
	"bank_share_fen" bigint NOT NULL,
	"government_share_fen" bigint NOT NULL,
	"occurred_on" date NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guarantees" (
	"id" text PRIMARY KEY NOT NULL,
	"credit_line_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"guarantor_name" text NOT NULL,
	"covered_amount_fen" bigint NOT NULL,
	"line_amount_fen" bigint NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listing_tier_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"enterprise_id" text NOT NULL,
	"tier" text,
	"previous_tier" text,
	"reason" text NOT NULL,
	"effective_on" date NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notice_receipts" (
	"notice_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"read_by" text NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notice_receipts_notice_id_bank_id_pk" PRIMARY KEY("notice_id","bank_id")
);
--> statement-breakpoint
CREATE TABLE "notices" (
	"id" text PRIMARY KEY NOT NULL,
	"publisher" text NOT NULL,
	"published_by" text NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"audience" text NOT NULL,
	"bank_ids" text[] DEFAULT '{}' NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relending_quotas" (
	"id" text PRIMARY KEY NOT NULL,
	"bank_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"used_fen" bigint DEFAULT 0 NOT NULL,
	"valid_from" date NOT NULL,
	"valid_to" date NOT NULL,
	"rate_ceiling" numeric(7, 6),
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "relending_quotas_used_within_amount" CHECK ("relending_quotas"."used_fen" between 0 and "relending_quotas"."amount_fen"),
	CONSTRAINT "relending_quotas_period" CHECK ("relending_quotas"."valid_from" <= "relending_quotas"."valid_to")
);
--> statement-breakpoint
CREATE TABLE "relending_uses" (
	"id" text PRIMARY KEY NOT NULL,
	"quota_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"event_key" text NOT NULL,
	"loan_id" text NOT NULL,
	"credit_line_id" text,
	"enterprise_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"rate" numeric(7, 6) NOT NULL,
	"product_id" text,
	"product_rate_floor" numeric(7, 6),
	"below_product_rate" boolean,
	"occurred_on" date NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_pool" (
	"id" text PRIMARY KEY NOT NULL,
	"balance_fen" bigint NOT NULL,
	"funded_fen" bigint NOT NULL,
	"paid_fen" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "risk_pool_balance_not_negative" CHECK ("risk_pool"."balance_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "risk_pool_claims" (
	"id" text PRIMARY KEY NOT NULL,
	"bank_id" text NOT NULL,
	"loan_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"event_key" text NOT NULL,
	"defaulted_on" date NOT NULL,
	"cap_year" integer NOT NULL,
	"loss_fen" bigint NOT NULL,
	"ratio" numeric(7, 6) NOT NULL,
	"due_fen" bigint NOT NULL,
	"paid_fen" bigint NOT NULL,
	"status" text NOT NULL,
	"claimed_by" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_pool_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"balance_after_fen" bigint NOT NULL,
	"claim_id" text,
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seq" integer GENERATED ALWAYS AS IDENTITY (sequence name "risk_pool_entries_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1)
);
--> statement-breakpoint
CREATE TABLE "credit_signings" (
	"id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"intended_amount_fen" bigint NOT NULL,
	"term_months" integer,
	"note" text,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_event_registrations" (
	"id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"registrant_kind" text NOT NULL,
	"registrant_id" text NOT NULL,
	"note" text,
	"registered_by" text NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_events" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"held_on" date NOT NULL,
	"place" text NOT NULL,
	"description" text,
	"status" text NOT NULL,
	"cancel_reason" text,
	"cancelled_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bank_rewards" (
	"period_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"new_lending_fen" bigint NOT NULL,
	"loans" bigint NOT NULL,
	"reward_fen" bigint NOT NULL,
	CONSTRAINT "bank_rewards_period_id_bank_id_pk" PRIMARY KEY("period_id","bank_id")
);
--> statement-breakpoint
CREATE TABLE "interest_subsidies" (
	"period_id" text NOT NULL,
	"loan_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"principal_fen" bigint NOT NULL,
	"loan_rate" numeric(7, 6),
	"subsidy_rate" numeric(7, 6) NOT NULL,
	"subsidy_fen" bigint NOT NULL,
	"disbursed_on" date NOT NULL,
	CONSTRAINT "interest_subsidies_period_id_loan_id_pk" PRIMARY KEY("period_id","loan_id")
);
--> statement-breakpoint
CREATE TABLE "subsidy_periods" (
	"id" text PRIMARY KEY NOT NULL,
	"from_date" date NOT NULL,
	"to_date" date NOT NULL,
	"subsidy_rate" numeric(7, 6) NOT NULL,
	"reward_budget_fen" bigint NOT NULL,
	"new_lending_fen" bigint NOT NULL,
	"subsidy_total_fen" bigint NOT NULL,
	"computed_by" text NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enterprise_profiles" ADD COLUMN "pledgeable_patents" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "financial_products" ADD COLUMN "featured" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "financial_products" ADD COLUMN "hidden" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "financial_products" ADD COLUMN "display_order" integer;--> statement-breakpoint
ALTER TABLE "financial_products" ADD COLUMN "curation_note" text;--> statement-breakpoint
ALTER TABLE "financial_products" ADD COLUMN "curated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "financial_products" ADD COLUMN "category_curated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "financial_products" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "cultivation_items" ADD CONSTRAINT "cultivation_items_plan_id_cultivation_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."cultivation_plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guarantee_losses" ADD CONSTRAINT "guarantee_losses_guarantee_id_guarantees_id_fk" FOREIGN KEY ("guarantee_id") REFERENCES "public"."guarantees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice_receipts" ADD CONSTRAINT "notice_receipts_notice_id_notices_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relending_uses" ADD CONSTRAINT "relending_uses_quota_id_relending_quotas_id_fk" FOREIGN KEY ("quota_id") REFERENCES "public"."relending_quotas"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_signings" ADD CONSTRAINT "credit_signings_event_id_signing_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."signing_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signing_event_registrations" ADD CONSTRAINT "signing_event_registrations_event_id_signing_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."signing_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_rewards" ADD CONSTRAINT "bank_rewards_period_id_subsidy_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."subsidy_periods"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interest_subsidies" ADD CONSTRAINT "interest_subsidies_period_id_subsidy_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."subsidy_periods"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bank_events_kind_idx" ON "bank_events" USING btree ("kind","occurred_on","bank_id");--> statement-breakpoint
CREATE INDEX "bank_events_bank_idx" ON "bank_events" USING btree ("bank_id","occurred_on");--> statement-breakpoint
CREATE INDEX "bank_events_need_idx" ON "bank_events" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "bank_events_credit_line_idx" ON "bank_events" USING btree ("credit_line_id");--> statement-breakpoint
CREATE INDEX "bank_events_loan_idx" ON "bank_events" USING btree ("loan_id");--> statement-breakpoint
CREATE INDEX "cultivation_items_plan_idx" ON "cultivation_items" USING btree ("plan_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cultivation_items_department_idx" ON "cultivation_items" USING btree ("department","status") WHERE "cultivation_items"."department" is not null;--> statement-breakpoint
CREATE INDEX "cultivation_plans_bank_idx" ON "cultivation_plans" USING btree ("bank_id","id");--> statement-breakpoint
CREATE INDEX "cultivation_plans_enterprise_idx" ON "cultivation_plans" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "cultivation_plans_active_idx" ON "cultivation_plans" USING btree ("bank_id","enterprise_id") WHERE "cultivation_plans"."status" = 'ACTIVE';--> statement-breakpoint
CREATE UNIQUE INDEX "guarantee_losses_loan_idx" ON "guarantee_losses" USING btree ("loan_id");--> statement-breakpoint
CREATE INDEX "guarantee_losses_guarantee_idx" ON "guarantee_losses" USING btree ("guarantee_id","occurred_on");--> statement-breakpoint
CREATE UNIQUE INDEX "guarantees_credit_line_idx" ON "guarantees" USING btree ("credit_line_id");--> statement-breakpoint
CREATE INDEX "guarantees_bank_idx" ON "guarantees" USING btree ("bank_id","id");--> statement-breakpoint
CREATE INDEX "guarantees_enterprise_idx" ON "guarantees" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "listing_tier_changes_enterprise_idx" ON "listing_tier_changes" USING btree ("enterprise_id","effective_on","id");--> statement-breakpoint
CREATE INDEX "notice_receipts_bank_idx" ON "notice_receipts" USING btree ("bank_id");--> statement-breakpoint
CREATE INDEX "notices_published_idx" ON "notices" USING btree ("published_at","id");--> statement-breakpoint
CREATE INDEX "notices_bank_ids_idx" ON "notices" USING gin ("bank_ids");--> statement-breakpoint
CREATE INDEX "relending_quotas_bank_idx" ON "relending_quotas" USING btree ("bank_id","valid_from","id");--> statement-breakpoint
CREATE UNIQUE INDEX "relending_uses_event_idx" ON "relending_uses" USING btree ("event_key");--> statement-breakpoint
CREATE UNIQUE INDEX "relending_uses_loan_idx" ON "relending_uses" USING btree ("bank_id","loan_id");--> statement-breakpoint
CREATE INDEX "relending_uses_quota_idx" ON "relending_uses" USING btree ("quota_id","occurred_on","id");--> statement-breakpoint
CREATE INDEX "relending_uses_bank_idx" ON "relending_uses" USING btree ("bank_id","occurred_on","id");--> statement-breakpoint
CREATE UNIQUE INDEX "risk_pool_claims_loan_idx" ON "risk_pool_claims" USING btree ("loan_id");--> statement-breakpoint
CREATE INDEX "risk_pool_claims_bank_year_idx" ON "risk_pool_claims" USING btree ("bank_id","cap_year");--> statement-breakpoint
CREATE INDEX "risk_pool_claims_enterprise_idx" ON "risk_pool_claims" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "risk_pool_entries_seq_idx" ON "risk_pool_entries" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_signings_pair_idx" ON "credit_signings" USING btree ("event_id","bank_id","enterprise_id");--> statement-breakpoint
CREATE INDEX "credit_signings_bank_idx" ON "credit_signings" USING btree ("bank_id","enterprise_id");--> statement-breakpoint
CREATE INDEX "credit_signings_enterprise_idx" ON "credit_signings" USING btree ("enterprise_id");--> statement-breakpoint
CREATE UNIQUE INDEX "signing_event_registrations_registrant_idx" ON "signing_event_registrations" USING btree ("event_id","registrant_kind","registrant_id");--> statement-breakpoint
CREATE INDEX "signing_events_held_idx" ON "signing_events" USING btree ("held_on","id");--> statement-breakpoint
CREATE INDEX "bank_rewards_bank_idx" ON "bank_rewards" USING btree ("bank_id");--> statement-breakpoint
CREATE UNIQUE INDEX "interest_subsidies_loan_idx" ON "interest_subsidies" USING btree ("loan_id");--> statement-breakpoint
CREATE INDEX "interest_subsidies_bank_idx" ON "interest_subsidies" USING btree ("bank_id","period_id");--> statement-breakpoint
CREATE INDEX "interest_subsidies_enterprise_idx" ON "interest_subsidies" USING btree ("enterprise_id","period_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subsidy_periods_range_idx" ON "subsidy_periods" USING btree ("from_date","to_date");--> statement-breakpoint
CREATE INDEX "financial_products_created_at_idx" ON "financial_products" USING btree ("created_at","bank_id");--> statement-breakpoint
CREATE INDEX "financing_needs_assigned_at_idx" ON "financing_needs" USING btree ("assigned_at","main_bank_id") WHERE "financing_needs"."assigned_at" is not null;