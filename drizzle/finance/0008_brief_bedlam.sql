CREATE TABLE "bank_evaluation_scores" (
	"evaluation_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"score" numeric(5, 2) NOT NULL,
	"rank" integer NOT NULL,
	"dimensions" jsonb NOT NULL,
	CONSTRAINT "bank_evaluation_scores_evaluation_id_bank_id_pk" PRIMARY KEY("evaluation_id","bank_id")
);
--> statement-breakpoint
CREATE TABLE "bank_evaluations" (
	"id" text PRIMARY KEY NOT NULL,
	"from_month" text NOT NULL,
	"to_month" text NOT NULL,
	"weights" jsonb NOT NULL,
	"banks" integer NOT NULL,
	"mean_score" numeric(5, 2) NOT NULL,
	"histogram" integer[] NOT NULL,
	"evaluated_by" text NOT NULL,
	"evaluated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_ratings" (
	"need_id" text PRIMARY KEY NOT NULL,
	"enterprise_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"need_status" text NOT NULL,
	"score" integer NOT NULL,
	"comment" text,
	"rated_by" text NOT NULL,
	"rated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_ratings_score_range" CHECK ("service_ratings"."score" between 1 and 5)
);
--> statement-breakpoint
ALTER TABLE "bank_rewards" ADD COLUMN "evaluation_score" numeric(5, 2);--> statement-breakpoint
ALTER TABLE "subsidy_periods" ADD COLUMN "reward_evaluation_share" numeric(7, 6) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "subsidy_periods" ADD COLUMN "evaluation_id" text;--> statement-breakpoint
ALTER TABLE "bank_evaluation_scores" ADD CONSTRAINT "bank_evaluation_scores_evaluation_id_bank_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."bank_evaluations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bank_evaluation_scores_bank_idx" ON "bank_evaluation_scores" USING btree ("bank_id","evaluation_id");--> statement-breakpoint
CREATE INDEX "service_ratings_bank_idx" ON "service_ratings" USING btree ("bank_id","rated_at");