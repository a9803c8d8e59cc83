CREATE TABLE "log_leaves" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "log_leaves_seq_key" UNIQUE("seq")
);
--> statement-breakpoint
CREATE TABLE "log_nodes" (
	"level" smallint NOT NULL,
	"idx" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "log_nodes_level_idx_pk" PRIMARY KEY("level","idx")
);
--> statement-breakpoint
CREATE TABLE "log_queue" (
	"seq" bigint PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tree_heads" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root_hash" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "disclosures" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
-- The chained entries go into the tree in their chain order, integrated by the sequencer.
INSERT INTO "log_queue" ("seq") SELECT "seq" FROM "disclosures" ORDER BY "seq";
