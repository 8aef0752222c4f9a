-- Version 8: who the clicks come from. Each click records the country of its
-- client address (an offline lookup; the address itself is still never
-- stored), the primary language of its Accept-Language header and whether it
-- was a QR scan (the short URL carried qr=1). A campaign may name the
-- countries it targets (ISO 3166 alpha-2, comma-separated), for the report's
-- audience-fit signal. Versions 4-7 belong to other changes.
--
-- No new index: every index costs each click insert; the report's audience
-- queries find the window's rows through clicks_report.

ALTER TABLE clicks ADD COLUMN country TEXT;

ALTER TABLE clicks ADD COLUMN language TEXT;

ALTER TABLE clicks ADD COLUMN qr INTEGER NOT NULL DEFAULT 0;

ALTER TABLE campaigns ADD COLUMN target_countries TEXT;
