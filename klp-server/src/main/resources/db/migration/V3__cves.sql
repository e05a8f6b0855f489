-- CVE records, from the CVE feed (klp-server cve import, POST /api/v1/cves) or made from a
-- published live patch's fixes when the feed does not know the CVE yet (source 'catalog').
-- qualifies is derived from cvss and category by the server's scope policy (CVSS >= 7.0, or a
-- stability or data-corruption fix) and rewritten with the record; it is kept for SQL reports.
-- revision is the policy generation of the record's last change: every server instance loads the
-- records changed since the last it saw into its audit.
create table cves (
    id                  varchar(30)   primary key,
    cvss                decimal(3, 1) not null,
    vector              varchar(200)  not null,
    summary             varchar(1000) not null,
    published           date          not null,
    category            varchar(20)   not null,
    qualifies           boolean       not null,
    live_patch_possible boolean       not null,
    source              varchar(10)   not null,
    revision            bigint        not null,
    updated_at          timestamp with time zone not null
);
create index cves_revision on cves (revision);

-- The kernel streams a CVE affects: releases from introduced_in (null: all earlier) up to, not
-- including, fixed_in (null: no fixed release yet). origin 'catalog' marks a stream only a live
-- patch names (a live patch for a kernel carries the fix, so the kernel is affected).
create table cve_affected (
    cve_id        varchar(30)  not null references cves (id) on delete cascade,
    stream        varchar(100) not null,
    introduced_in varchar(100),
    fixed_in      varchar(100),
    origin        varchar(10)  not null,
    primary key (cve_id, stream)
);

-- Which live patch versions carry a CVE, per kernel release: derived from the catalog, never
-- stored twice. Versions are cumulative, so every version from first_version on carries it.
create view cve_live_patches as
    select f.fix_id as cve_id, k.release as kernel, min(p.version) as first_version
    from live_patch_fixes f
    join live_patches p on p.id = f.live_patch_id
    join kernels k on k.id = p.kernel_id
    where f.fix_id like 'CVE-%'
    group by f.fix_id, k.release;
