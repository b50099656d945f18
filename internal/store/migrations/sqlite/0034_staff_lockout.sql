-- Staff lockouts end by themselves (decision 0025, internal/staff): after
-- MaxFailures failed sign-ins in a row an account is locked until
-- locked_until (unix microseconds); lockouts counts the lockouts in a row,
-- each lasting twice the one before, up to a cap. A success or an unlock
-- clears both. Locks from before this change stay until someone unlocks them.
ALTER TABLE staff ADD COLUMN locked_until BIGINT;
ALTER TABLE staff ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0);
UPDATE staff SET locked_until = 9223372036854775807 WHERE locked_at IS NOT NULL;
