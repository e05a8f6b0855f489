-- Rollout safety. Portable SQL (H2 2.x and PostgreSQL 15+).

-- A staged group promotes a version once this many canaries on the kernel settled on it and soaked.
alter table groups add column min_canaries integer default 1 not null;

-- History entries say which live patch version they concern and, for a transition, how long it had
-- run: the rollout rule reads a canary's failed applies, forced or stuck transitions and new taint
-- back from here, so a later success does not erase them.
alter table system_events add column version integer;
alter table system_events add column elapsed_seconds bigint;
create index system_events_at on system_events (system_id, at);

-- last_checkin: the last check-in with a posture (a SUSEConnect keepalive moves last_seen only, so
-- it never makes a host look fresh to the audit). posture_since: since when the host has reported its
-- current (kernel, live patch version, transition, forced): how long a canary has soaked.
alter table systems add column last_checkin timestamp with time zone;
alter table systems add column posture_since timestamp with time zone;
update systems set last_checkin = last_seen, posture_since = last_seen where kernel is not null;
