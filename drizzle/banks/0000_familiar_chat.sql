CREATE TABLE "banks" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"tech_branch" text
);
--> statement-breakpoint
CREATE TABLE "credit_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"need_id" text,
	"product_id" text,
	"amount_fen" bigint NOT NULL,
	"rate" numeric(7, 6) NOT NULL,
	"term_months" integer NOT NULL,
	"approved_on" date NOT NULL
);
--> statement-breakpoint
CREATE TABLE "financing_solutions" (
	"id" text PRIMARY KEY NOT NULL,
	"need_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"product_ids" text[] NOT NULL,
	"amount_fen" bigint NOT NULL,
	"rate" numeric(7, 6) NOT NULL,
	"term_months" integer NOT NULL,
	"conditions" text NOT NULL,
	"proposed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loans" (
	"id" text PRIMARY KEY NOT NULL,
	"credit_line_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"outstanding_fen" bigint NOT NULL,
	"disbursed_on" date NOT NULL,
	"matures_on" date NOT NULL,
	"first_loan" boolean NOT NULL,
	"status" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credit_lines" ADD CONSTRAINT "credit_lines_bank_id_banks_id_fk" FOREIGN KEY ("bank_id") REFERENCES "public"."banks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "financing_solutions" ADD CONSTRAINT "financing_solutions_bank_id_banks_id_fk" FOREIGN KEY ("bank_id") REFERENCES "public"."banks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_credit_line_id_credit_lines_id_fk" FOREIGN KEY ("credit_line_id") REFERENCES "public"."credit_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_lines_bank_idx" ON "credit_lines" USING btree ("bank_id","id");--> statement-breakpoint
CREATE INDEX "credit_lines_enterprise_idx" ON "credit_lines" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "credit_lines_approved_idx" ON "credit_lines" USING btree ("approved_on","bank_id");--> statement-breakpoint
CREATE INDEX "credit_lines_need_idx" ON "credit_lines" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "financing_solutions_need_idx" ON "financing_solutions" USING btree ("need_id","id");--> statement-breakpoint
CREATE INDEX "financing_solutions_bank_idx" ON "financing_solutions" USING btree ("bank_id","id");--> statement-breakpoint
CREATE INDEX "financing_solutions_enterprise_idx" ON "financing_solutions" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "loans_credit_line_idx" ON "loans" USING btree ("credit_line_id","id");--> statement-breakpoint
CREATE INDEX "loans_enterprise_idx" ON "loans" USING btree ("enterprise_id");--> statement-breakpoint
CREATE INDEX "loans_bank_disbursed_idx" ON "loans" USING btree ("bank_id","disbursed_on");