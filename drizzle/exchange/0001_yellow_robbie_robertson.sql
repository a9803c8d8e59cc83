CREATE TABLE "participating_banks" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
