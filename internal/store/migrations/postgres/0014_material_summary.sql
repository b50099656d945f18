-- What the public page says of a published certificate or expense list
-- (R-REQ-4, R-REQ-5): the reviewer's summary of it — the institution, the
-- date, what it certifies — never the file itself, which holds the patient's
-- identity. Written with the publication, once, and never changed.
ALTER TABLE request_materials ADD COLUMN public_summary TEXT CHECK (public_summary <> '');

CREATE TRIGGER request_materials_summary_once BEFORE UPDATE OF public_summary ON request_materials
	FOR EACH ROW WHEN (OLD.public_summary IS NOT NULL AND NEW.public_summary IS DISTINCT FROM OLD.public_summary)
	EXECUTE FUNCTION request_materials_refuse_change('a published summary is never changed');
