-- The weekly cycle and the problem list for a region made by `dangjian gen` (which writes neither), for the dashboard's
-- weekly on-time rates and problems by level (bench P3, docs/performance.md): working stations of four villages each
-- in every town, the last 12 weeks' town and station arrangements (one item each), every covered village's report
-- (most sent on time, some late, some never; this week's partly sent), and problems on a third of the villages at the
-- village, town and county levels in every status. Run once on a fresh `gen` region, then `dangjian rollups --rebuild`:
-- these rows bypass the services, so the roll-ups (weekly/rollups.py, problems/rollups.py) must be rebuilt.
--   psql -h 127.0.0.1 -U postgres DB -v ON_ERROR_STOP=1 -f bench/activity_for_gen.sql && dangjian rollups --rebuild
begin;
create temp table gen_village on commit drop as
select o.id, o.parent_id as town_id, t.parent_id as county_id,
       (row_number() over (partition by o.parent_id order by o.path) - 1) / 4 + 1 as station_no
from orgs_organization o join orgs_organization t on t.id = o.parent_id
where o.level = 'village' and t.level = 'town';

insert into orgs_workstation (name, code, town_id, chief_name, fulltime_staff, parttime_staff)
select t.name || '第' || s.station_no || '党建工作站', 'GWS-' || t.id || '-' || s.station_no, t.id, '', 1, 0
from (select distinct town_id, station_no from gen_village) s join orgs_organization t on t.id = s.town_id;

insert into orgs_workstation_villages (workstation_id, organization_id)
select w.id, v.id from gen_village v join orgs_workstation w on w.code = 'GWS-' || v.town_id || '-' || v.station_no;

create temp table gen_week on commit drop as
select (date_trunc('week', current_date)::date - 7 * k) as week, k from generate_series(0, 11) k;

-- The town's arrangement of each week, then each station's relaying it (report due by the end of Friday, local time).
insert into weekly_arrangement (level, town_id, station_id, week, source_id, note, published_at, report_due)
select 'town', t.town_id, null, w.week, null, '', (w.week + time '08:00') at time zone 'Asia/Shanghai',
       (w.week + 5)::timestamp at time zone 'Asia/Shanghai'
from (select distinct town_id from gen_village) t, gen_week w;

insert into weekly_arrangement (level, town_id, station_id, week, source_id, note, published_at, report_due)
select 'station', s.town_id, s.id, a.week, a.id, '', (a.week + time '10:00') at time zone 'Asia/Shanghai', a.report_due
from orgs_workstation s join weekly_arrangement a on a.town_id = s.town_id and a.level = 'town'
where s.code like 'GWS-%';

insert into weekly_item (arrangement_id, seq, title, target, due, source_id, by_station)
select a.id, 1, '开展入户走访', '走访困难党员', a.week + 4, null, false from weekly_arrangement a where a.level = 'town';

insert into weekly_item (arrangement_id, seq, title, target, due, source_id, by_station)
select a.id, 1, i.title, i.target, i.due, i.id, false
from weekly_arrangement a join weekly_item i on i.arrangement_id = a.source_id where a.level = 'station';

-- Each covered village's report: of past weeks, one in ten never sent, one in ten late (the Saturday), the rest on
-- time (the Thursday); of this week, four in ten sent so far.
insert into weekly_villagereport (arrangement_id, village_id, note, submitted_at)
select a.id, sv.organization_id, '',
       case
         when w.k = 0 then case when (sv.organization_id % 10) < 4 then (a.week + 1 + time '15:00') at time zone 'Asia/Shanghai' end
         when (sv.organization_id + w.k) % 10 = 0 then null
         when (sv.organization_id + w.k) % 10 = 1 then (a.week + 5 + time '10:00') at time zone 'Asia/Shanghai'
         else (a.week + 3 + time '15:00') at time zone 'Asia/Shanghai'
       end
from weekly_arrangement a
join gen_week w on w.week = a.week
join orgs_workstation_villages sv on sv.workstation_id = a.station_id
where a.level = 'station';

insert into weekly_reportline (report_id, item_id, status, note)
select r.id, i.id, case when r.id % 4 = 0 then 'partly' else 'done' end, ''
from weekly_villagereport r join weekly_item i on i.arrangement_id = r.arrangement_id
where r.submitted_at is not null;

-- Problems on a third of the villages: at the village (half), town and county levels; in every status.
insert into problems_problem (title, detail, category, level, owner_name, deadline, status, source, source_ref,
  escalation_level, submitted_at, result, closed_at, closed_on, closing_opinion, solved_level, created_at, recorded_on,
  org_id, responsible_org_id, verifier_org_id, verifier_manages)
select '道路破损待修', '', 'infrastructure', p.level,
       case when p.status = 'assigning' then '' else '责任人' end,
       case when p.status = 'assigning' then null else current_date + (p.id % 40)::int - 10 end,
       p.status, 'manual', '', 0,
       case when p.status in ('submitted', 'closed') then now() - interval '3 days' end,
       case when p.status in ('submitted', 'closed') then '已处理' else '' end,
       case when p.status = 'closed' then now() - interval '1 day' end,
       case when p.status = 'closed' then current_date - 1 end,
       case when p.status = 'closed' then '核实已解决' else '' end,
       case when p.status = 'closed' then p.level else '' end,
       now() - interval '20 days', current_date - 20, p.id,
       case p.level when 'station_village' then p.id when 'town' then p.town_id else p.county_id end,
       -- the verifier kept at submission (problems.services.verifier): the level above, here the responsible's parent
       case when p.status in ('submitted', 'closed') then
         case p.level when 'station_village' then p.town_id when 'town' then p.county_id else p.city_id end end,
       false
from (
  select v.id, v.town_id, v.county_id, c.parent_id as city_id,
         (array['station_village', 'station_village', 'town', 'county'])[v.id % 4 + 1] as level,
         (array['open', 'open', 'submitted', 'closed', 'assigning'])[(v.id / 3) % 5 + 1] as status
  from gen_village v join orgs_organization c on c.id = v.county_id where v.id % 3 = 0
) p;
commit;
analyze orgs_workstation_villages;
analyze weekly_arrangement;
analyze weekly_villagereport;
analyze problems_problem;
