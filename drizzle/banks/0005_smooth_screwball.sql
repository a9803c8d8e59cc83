CREATE TABLE "month_end_balances" (
	"bank_id" text NOT NULL,
	"month" text NOT NULL,
	"month_end" date NOT NULL,
	"outstanding_fen" bigint NOT NULL,
	"loans" integer NOT NULL,
	"enterprises" integer NOT NULL,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "month_end_balances_bank_id_month_pk" PRIMARY KEY("bank_id","month")
);
--> statement-breakpoint
CREATE INDEX "month_end_balances_month_idx" ON "month_end_balances" USING btree ("month","bank_id");