-- The fleet feed: every change that an instance's CVE audit and caches follow, durable and numbered in
-- commit order, so that several instances on one database answer the same. Portable SQL.
--
-- Writers number their events under the lock of the 'head' row (updated last in their transaction,
-- held until commit): numbers are handed out in commit order, and a rolled-back transaction gives its
-- numbers back. So a reader that sees event N sees every event before it, and no number is skipped.
-- On PostgreSQL a writer also sends NOTIFY klp_fleet, which wakes the other instances at once.
--
-- kind: checkin (a changed posture, with the facts the audit needs), seen (a check-in that repeated
-- the stored posture: the host is fresh), removed, regrouped, policy (catalog, CVE records, groups,
-- pins or rollouts changed: the policy generation moved).
create table fleet_events (
    seq               bigint       primary key,
    at                timestamp with time zone not null,
    kind              varchar(16)  not null,
    system_id         bigint,
    group_name        varchar(64),
    kernel            varchar(100),
    installed_kernels varchar(4000),
    loaded_version    integer,
    in_progress       boolean,
    forced            boolean
);

-- Positions: 'head' (the last event number handed out), 'folded' ('seen' events up to here are
-- counted in systems.checkins, last_seen and last_checkin).
create table fleet_feed (
    name     varchar(16) primary key,
    position bigint      not null
);
insert into fleet_feed (name, position) values ('head', 0);
insert into fleet_feed (name, position) values ('folded', 0);

-- The instances following the feed and how far each is: events every live instance has applied, and
-- that are folded, are pruned.
create table fleet_instances (
    id         varchar(64) primary key,
    position   bigint      not null,
    heartbeat  timestamp with time zone not null,
    started_at timestamp with time zone not null
);

-- The check-in log becomes the feed's 'seen' events: fold what is left, then drop it.
update systems set checkins = checkins + (select count(*) from checkin_log l where l.system_id = systems.id),
    last_seen = greatest(coalesce(last_seen, (select max(l.at) from checkin_log l where l.system_id = systems.id)),
                         (select max(l.at) from checkin_log l where l.system_id = systems.id)),
    last_checkin = greatest(coalesce(last_checkin, (select max(l.at) from checkin_log l where l.system_id = systems.id)),
                            (select max(l.at) from checkin_log l where l.system_id = systems.id))
    where id in (select system_id from checkin_log);
drop table checkin_log;
