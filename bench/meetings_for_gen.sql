-- Meetings for a region made by `dangjian gen` (which writes none), for bench P3's meeting completion (docs/performance.md).
-- Run before `dangjian rollups --rebuild`: these rows bypass the services, so the roll-ups must be rebuilt.
update orgs_organization set committee_seats = 5 where kind in ('branch','joint_branch') and id % 3 = 0;
update orgs_organization set established = make_date(2026, (id % 12)::int + 1, 5) where kind in ('branch','joint_branch') and id % 50 = 7;
insert into partylife_meeting (kind, date, topic, minutes, recorded_at, org_id)
select 'theme_day', make_date(2026, m, 10), '主题党日', '', now(), o.id
from orgs_organization o, generate_series(1, 11) m
where o.kind in ('branch','joint_branch') and (o.id + m) % 4 <> 0;
insert into partylife_meeting (kind, date, topic, minutes, recorded_at, org_id)
select 'committee', make_date(2026, m, 5), '支委会', '', now(), o.id
from orgs_organization o, generate_series(1, 11) m
where o.kind in ('branch','joint_branch') and o.committee_seats > 0 and (o.id + m) % 5 <> 0;
insert into partylife_meeting (kind, date, topic, minutes, recorded_at, org_id)
select 'assembly', make_date(2026, 3 * q - 1, 12), '党员大会', '', now(), o.id
from orgs_organization o, generate_series(1, 4) q
where o.kind in ('branch','joint_branch') and (o.id + q) % 3 <> 0;
analyze partylife_meeting;
