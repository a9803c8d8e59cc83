-- The prospect feed orders needs by (change_xid, change_seq). Both are stamped here, on every
-- insert and update whoever writes (mutations, the seed, an operator's SQL), so no code path can
-- forget them. updated_at follows unless the statement set it itself.
CREATE FUNCTION financing_needs_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id();
  NEW.change_seq := nextval('financing_need_change_seq');
  IF TG_OP = 'UPDATE' AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER financing_needs_stamp_change BEFORE INSERT OR UPDATE ON financing_needs
  FOR EACH ROW EXECUTE FUNCTION financing_needs_stamp_change();
--> statement-breakpoint
-- Each version's feed-relevant state, set-based per statement (the seed inserts thousands at once).
CREATE FUNCTION financing_needs_log_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO financing_need_changes (need_id, change_xid, change_seq, status, visibility, main_bank_id)
  SELECT id, change_xid, change_seq, status, visibility, main_bank_id FROM changed;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER financing_needs_log_inserts AFTER INSERT ON financing_needs
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION financing_needs_log_changes();
--> statement-breakpoint
CREATE TRIGGER financing_needs_log_updates AFTER UPDATE ON financing_needs
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION financing_needs_log_changes();
--> statement-breakpoint
-- TRUNCATE fires no row triggers: a reseed (npm run seed -- --reset) empties the log with the needs.
CREATE FUNCTION financing_needs_truncate_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE financing_need_changes;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER financing_needs_truncate_changes AFTER TRUNCATE ON financing_needs
  FOR EACH STATEMENT EXECUTE FUNCTION financing_needs_truncate_changes();
--> statement-breakpoint
INSERT INTO financing_need_changes (need_id, change_xid, change_seq, status, visibility, main_bank_id)
SELECT id, change_xid, change_seq, status, visibility, main_bank_id FROM financing_needs;
--> statement-breakpoint
-- A need's place in filtered feeds depends on its enterprise's profile: when a profile arrives or
-- changes, the enterprise's needs are stamped again so every feed re-evaluates them.
CREATE FUNCTION enterprise_profiles_touch_needs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE financing_needs n SET updated_at = n.updated_at
    FROM arrived a WHERE n.enterprise_id = a.enterprise_id;
  ELSE
    UPDATE financing_needs n SET updated_at = n.updated_at
    FROM arrived a JOIN departed d USING (enterprise_id)
    WHERE n.enterprise_id = a.enterprise_id
      AND (a.district, a.industry, a.high_tech, a.library_status)
        IS DISTINCT FROM (d.district, d.industry, d.high_tech, d.library_status);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER enterprise_profiles_touch_inserts AFTER INSERT ON enterprise_profiles
  REFERENCING NEW TABLE AS arrived
  FOR EACH STATEMENT EXECUTE FUNCTION enterprise_profiles_touch_needs();
--> statement-breakpoint
CREATE TRIGGER enterprise_profiles_touch_updates AFTER UPDATE ON enterprise_profiles
  REFERENCING OLD TABLE AS departed NEW TABLE AS arrived
  FOR EACH STATEMENT EXECUTE FUNCTION enterprise_profiles_touch_needs();
