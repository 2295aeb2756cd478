-- Source of tap_postgres_0_10_0_probe.singer (RECORD messages) and
-- tap_postgres_0_10_0_probe.batch.json.gz (the file of its BATCH message with
-- batch_config {"encoding": {"format": "jsonl", "compression": "gzip"}}):
-- meltanolabs-tap-postgres==0.10.0 (singer-sdk 0.54.9) against PostgreSQL 15,
-- config {"json_as_object": true}, discovered catalog with the stream selected,
-- default replication (FULL_TABLE).
create table probe (
  id bigint primary key, i integer, n numeric, n2 numeric(20,4), u uuid, ua uuid[],
  j jsonb, ja jsonb, ts timestamptz, t timestamp, v varchar(50), b boolean, d date, tm time
);
insert into probe values
 (1, 42, 12345678901234.123456789, 12.3400, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  array['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid,'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'::uuid],
  '{"a":1.10,"b":{"c":[1,2]}}', '[1,"x"]', '2024-01-02 03:04:05.123456+02',
  '2024-01-02 03:04:05', 'hello', true, '2024-02-29', '12:34:56'),
 (2, null, 0.1, null, null, null, null, null, null, null, null, null, null, null),
 (9223372036854775807, -2147483648, -99999999999999999999.999999999999, 9999999999999999.9999,
  'ffffffff-ffff-ffff-ffff-ffffffffffff', '{}', '"str"', 'null', '1970-01-01 00:00:00+00',
  '1970-01-01', '', false, '0001-01-01', '00:00:00');
