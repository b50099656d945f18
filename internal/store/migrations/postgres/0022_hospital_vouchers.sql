-- Who vouched for a hospital directory entry's account: the finance
-- officer who proposed an addition or change and the person who approved
-- it, one row each per proposal. A payout to the hospital takes no step
-- from them (package payout, Hands.Vouchers): whoever put an account in
-- the directory does not also approve the money sent to it (R-REF-3,
-- R-STAFF-1). Rows are only ever added.
CREATE TABLE hospital_vouchers (
	hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
	staff_id    BIGINT NOT NULL REFERENCES staff (id),
	proposal_id BIGINT NOT NULL REFERENCES staff_proposals (id),
	PRIMARY KEY (hospital_id, staff_id, proposal_id)
);

CREATE TRIGGER hospital_vouchers_fixed BEFORE UPDATE OR DELETE ON hospital_vouchers
	FOR EACH ROW EXECUTE FUNCTION hospitals_refuse_change('who vouched for an account never changes');
CREATE TRIGGER hospital_vouchers_no_truncate BEFORE TRUNCATE ON hospital_vouchers
	FOR EACH STATEMENT EXECUTE FUNCTION hospitals_refuse_change('who vouched for an account never changes');
