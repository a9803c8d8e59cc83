CREATE SEQUENCE "public"."financing_need_change_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "enterprise_profiles" (
	"enterprise_id" text PRIMARY KEY NOT NULL,
	"district" text NOT NULL,
	"industry" text NOT NULL,
	"high_tech" boolean NOT NULL,
	"library_status" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "financing_need_changes" (
	"need_id" text NOT NULL,
	"change_xid" "xid8" NOT NULL,
	"change_seq" bigint NOT NULL,
	"status" text NOT NULL,
	"visibility" text NOT NULL,
	"main_bank_id" text,
	CONSTRAINT "financing_need_changes_need_id_change_seq_pk" PRIMARY KEY("need_id","change_seq")
);
--> statement-breakpoint
CREATE TABLE "need_feedback" (
	"id" text PRIMARY KEY NOT NULL,
	"need_id" text NOT NULL,
	"bank_id" text NOT NULL,
	"accepted" boolean NOT NULL,
	"reason" text NOT NULL,
	"answered_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "financing_needs" ADD COLUMN "accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "financing_needs" ADD COLUMN "change_xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
ALTER TABLE "financing_needs" ADD COLUMN "change_seq" bigint DEFAULT nextval('financing_need_change_seq') NOT NULL;--> statement-breakpoint
CREATE INDEX "enterprise_profiles_district_idx" ON "enterprise_profiles" USING btree ("district","enterprise_id");--> statement-breakpoint
CREATE INDEX "need_feedback_need_idx" ON "need_feedback" USING btree ("need_id","answered_at");--> statement-breakpoint
CREATE INDEX "need_feedback_bank_idx" ON "need_feedback" USING btree ("bank_id","answered_at");--> statement-breakpoint
CREATE INDEX "financing_needs_feed_idx" ON "financing_needs" USING btree ("change_xid","change_seq");