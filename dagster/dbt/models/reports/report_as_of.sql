-- The date every report model describes: var `as_of_date` when given, else the ledger's last
-- effective date (macros/as_of_date.sql), 'YYYY-MM-DD'. generate-es-reports records it in each
-- run's manifest and refuses `--as-of` for any other date (the models are built for one date).
select {{ lana_dw.format_date(lana_dw.as_of_date(), 'YYYY-MM-DD') }} as as_of_date
