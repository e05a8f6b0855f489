-- Live patch versions are per kernel: a canary's failed apply of version 3 on one kernel must not
-- halt the rollouts of version 3 to other kernels. Older events keep a null kernel.
alter table system_events add column kernel varchar(100);
