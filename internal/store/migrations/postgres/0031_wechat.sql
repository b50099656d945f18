-- Inside WeChat (docs/decisions/0023-inside-wechat.md, internal/wechat).
--
-- wechat_tokens: the official account's access_token and jsapi_ticket,
-- cached for every node. One node refreshes a value at a time: it takes
-- the row's lease (lease_until in the future, lease_holder its own random
-- id) by compare-and-set, asks WeChat outside any transaction, and writes
-- the value back only if it still holds the lease; the others use the
-- cached value or wait for it.
CREATE TABLE wechat_tokens (
	name         TEXT   NOT NULL PRIMARY KEY CHECK (name IN ('access_token', 'jsapi_ticket')),
	value        TEXT   NOT NULL DEFAULT '',
	expires_at   BIGINT NOT NULL DEFAULT 0,
	lease_until  BIGINT NOT NULL DEFAULT 0,
	lease_holder TEXT   NOT NULL DEFAULT '',
	refreshed_at BIGINT NOT NULL DEFAULT 0
);

-- wechat_oauth_states: one silent OAuth2 sign-in (snsapi_base) under way.
-- Only hashes are kept: of the state sent to WeChat and of the nonce in
-- the browser's cookie it is bound to. A state is used once (used_at) and
-- only before expires_at. next is the local path to go back to.
CREATE TABLE wechat_oauth_states (
	state_hash   TEXT   NOT NULL PRIMARY KEY,
	browser_hash TEXT   NOT NULL,
	next         TEXT   NOT NULL CHECK (substr(next, 1, 1) = '/'),
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	used_at      BIGINT
);
CREATE INDEX wechat_oauth_states_expiry ON wechat_oauth_states (expires_at);

-- wechat_payers: a browser's openid for the official account, by the hash
-- of the random token in its cookie; no name is kept with it.
CREATE TABLE wechat_payers (
	token_hash TEXT   NOT NULL PRIMARY KEY,
	openid     TEXT   NOT NULL CHECK (openid <> ''),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX wechat_payers_expiry ON wechat_payers (expires_at);
