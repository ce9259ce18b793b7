-- A table whose rows the database refuses for reasons the parser cannot see: a check, a foreign
-- key, a unique index other than the conflict target, and a trigger that raises. Every object is
-- named, so that tests can assert the names the reject messages carry. Names are unqualified:
-- CatalogReaderIntegrationTests migrates this location into a schema of its own.

CREATE TABLE refused_parent (
    id bigint PRIMARY KEY
);

INSERT INTO refused_parent (id) VALUES (1), (2);

CREATE TABLE refused (
    id      bigint  PRIMARY KEY,
    email   text,
    label   text    NOT NULL,
    qty     integer NOT NULL DEFAULT 0 CONSTRAINT refused_qty_not_negative CHECK (qty >= 0),
    parent  bigint  CONSTRAINT refused_parent_exists REFERENCES refused_parent (id),
    version bigint
);

CREATE UNIQUE INDEX refused_email_unique ON refused (email);

-- Three ways a trigger refuses a row, one per SQLSTATE class: RAISE EXCEPTION (P0001), RAISE with
-- a constraint's SQLSTATE and name (23514), and a data exception (22012, division by zero); and a
-- row that takes its time.
CREATE FUNCTION refused_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.label = 'raise' THEN
        RAISE EXCEPTION 'label % is refused', quote_literal(NEW.label)
            USING DETAIL = 'refused_guard allows no such label';
    ELSIF NEW.label = 'raise-check' THEN
        RAISE EXCEPTION 'label % breaks the label rule', quote_literal(NEW.label)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refused_label_rule',
                  DETAIL = 'labels must not name a rule';
    ELSIF NEW.label = 'divide' THEN
        NEW.qty := NEW.qty / 0;
    ELSIF NEW.label = 'slow' THEN
        PERFORM pg_sleep(0.3); -- holds its chunk back, so that a later chunk writes first
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER refused_guard BEFORE INSERT OR UPDATE ON refused
    FOR EACH ROW EXECUTE FUNCTION refused_guard();
