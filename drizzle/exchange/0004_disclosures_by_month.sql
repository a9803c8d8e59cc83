-- The disclosure log's entries, partitioned by month of "at" (UTC), so an old month can be
-- archived by detaching its partition without touching the Merkle tree (log_leaves and log_nodes
-- keep every leaf hash). Written by hand: drizzle-kit cannot express partitioning.
CREATE TABLE "log_archives" (
	"partition" text PRIMARY KEY NOT NULL,
	"month" text NOT NULL,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"entries" bigint NOT NULL,
	"archived_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "disclosures" RENAME TO "disclosures_unpartitioned";
--> statement-breakpoint
DROP INDEX "disclosures_enterprise_idx";
--> statement-breakpoint
DROP INDEX "disclosures_org_idx";
--> statement-breakpoint
-- No global unique index on prev_hash: a partitioned table's unique keys must hold the partition
-- key. The chain it guarded is retired (entries since the tree have none) and is re-walked by the
-- audit, which reports a fork as a broken link.
DROP INDEX "disclosures_prev_hash_idx";
--> statement-breakpoint
ALTER SEQUENCE "disclosures_seq_seq" OWNED BY NONE;
--> statement-breakpoint
CREATE TABLE "disclosures" (
	"seq" bigint DEFAULT nextval('disclosures_seq_seq') NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"operation_name" text,
	"party" text NOT NULL,
	"org" text,
	"subject" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"fields" text[] NOT NULL,
	"basis" jsonb NOT NULL,
	"purpose" text,
	"prev_hash" text,
	"hash" text NOT NULL,
	CONSTRAINT "disclosures_seq_at_pk" PRIMARY KEY("seq","at")
) PARTITION BY RANGE ("at");
--> statement-breakpoint
ALTER SEQUENCE "disclosures_seq_seq" OWNED BY "disclosures"."seq";
--> statement-breakpoint
CREATE INDEX "disclosures_enterprise_idx" ON "disclosures" USING btree ("enterprise_id","seq");
--> statement-breakpoint
CREATE INDEX "disclosures_org_idx" ON "disclosures" USING btree ("org","seq");
--> statement-breakpoint
-- Entries of a month without its own partition land here until disclosures_add_month() makes it.
CREATE TABLE "disclosures_default" PARTITION OF "disclosures" DEFAULT;
--> statement-breakpoint
-- Makes the partition of the month holding `day` (UTC), named disclosures_YYYY_MM, and moves into it
-- the entries of that month already in the default partition. Does nothing if it exists, and
-- refuses a month archived (detached) before. The gateway's log sequencer calls it for the current
-- and the next month.
CREATE FUNCTION disclosures_add_month(day timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  month timestamp := date_trunc('month', day AT TIME ZONE 'UTC');
  name text := 'disclosures_' || to_char(month, 'YYYY_MM');
  lo timestamptz := month AT TIME ZONE 'UTC';
  hi timestamptz := (month + interval '1 month') AT TIME ZONE 'UTC';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(quote_ident(name))
      AND inhparent = 'disclosures'::regclass) THEN
    RETURN name;
  END IF;
  IF to_regclass(quote_ident(name)) IS NOT NULL THEN
    RAISE EXCEPTION 'the month % was archived (%): it is not made again', month, name;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE disclosures INCLUDING DEFAULTS)', name);
  EXECUTE format(
    'WITH moved AS (DELETE FROM disclosures_default WHERE at >= %L AND at < %L RETURNING *)
     INSERT INTO %I SELECT * FROM moved', lo, hi, name);
  EXECUTE format('ALTER TABLE disclosures ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
    name, lo, hi);
  RETURN name;
END $$;
--> statement-breakpoint
-- Archives the month holding `day`: records its entries' seq range and count in log_archives,
-- then detaches its partition. The detached table stays (dump it, then drop it); the tree keeps
-- the month's leaf hashes, so proofs of the other months and the audit still verify.
CREATE FUNCTION disclosures_archive_month(day timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  month timestamp := date_trunc('month', day AT TIME ZONE 'UTC');
  name text := 'disclosures_' || to_char(month, 'YYYY_MM');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(quote_ident(name))
      AND inhparent = 'disclosures'::regclass) THEN
    RAISE EXCEPTION 'no partition % of disclosures to archive', name;
  END IF;
  EXECUTE format(
    'INSERT INTO log_archives (partition, month, first_seq, last_seq, entries, archived_at)
     SELECT %L, %L, coalesce(min(seq), 0), coalesce(max(seq), -1), count(*), now() FROM %I',
    name, to_char(month, 'YYYY-MM'), name);
  EXECUTE format('ALTER TABLE disclosures DETACH PARTITION %I', name);
  RETURN name;
END $$;
--> statement-breakpoint
INSERT INTO "disclosures" ("seq", "at", "request_id", "operation_name", "party", "org", "subject", "enterprise_id", "fields", "basis", "purpose", "prev_hash", "hash")
SELECT "seq", "at", "request_id", "operation_name", "party", "org", "subject", "enterprise_id", "fields", "basis", "purpose", "prev_hash", "hash" FROM "disclosures_unpartitioned";
--> statement-breakpoint
DROP TABLE "disclosures_unpartitioned";
--> statement-breakpoint
SELECT disclosures_add_month(m) FROM (
  SELECT DISTINCT date_trunc('month', "at" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m
  FROM "disclosures_default"
  UNION SELECT now() UNION SELECT now() + interval '1 month'
) months ORDER BY m;
