-- Version 5: api_tokens.last_used is dropped: nothing ever wrote it, and a
-- column that always reads NULL misleads whoever audits the tokens.

ALTER TABLE api_tokens DROP COLUMN last_used;
