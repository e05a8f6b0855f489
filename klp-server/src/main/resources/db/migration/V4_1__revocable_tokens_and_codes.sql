-- Admin tokens may expire and be revoked; registration codes may be revoked. A revoked or expired
-- secret stays listed (who had it, since when, until when) and never works again.
alter table admin_tokens add column expires_at timestamp with time zone;
alter table admin_tokens add column revoked_at timestamp with time zone;
alter table registration_codes add column revoked_at timestamp with time zone;
