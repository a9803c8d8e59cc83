CREATE TABLE "loan_deferrals" (
	"id" text PRIMARY KEY NOT NULL,
	"loan_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"from_matures_on" date NOT NULL,
	"to_matures_on" date NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "loans" ADD COLUMN "credit_loan" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "loan_deferrals" ADD CONSTRAINT "loan_deferrals_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "loan_deferrals_loan_idx" ON "loan_deferrals" USING btree ("loan_id","at");