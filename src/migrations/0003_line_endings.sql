-- Migration 3: line endings in stored multi-line text become LF.
-- Browsers send textareas with CRLF and, before this release, the form decoder stored
-- them as sent; the storefront formatter splits paragraphs and list items on LF only, so
-- such text showed as one line. The edge now normalises CRLF and lone CR to LF; this
-- rewrites what is already stored. CRLF first, then any lone CR. Only rows that hold a CR
-- are touched (so catalog_version moves only if something changed). Updating
-- products.description fires products_fts_update, which re-indexes the row with the new
-- text, so the search index stays in step. Independent of any other migration: it only
-- reads and writes columns present since schema 1.

UPDATE products SET description = replace(replace(description, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(description, char(13)) > 0;
UPDATE products SET seo_description = replace(replace(seo_description, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(seo_description, char(13)) > 0;
UPDATE categories SET description = replace(replace(description, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(description, char(13)) > 0;
UPDATE banners SET subtitle = replace(replace(subtitle, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(subtitle, char(13)) > 0;
UPDATE orders SET note = replace(replace(note, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(note, char(13)) > 0;
UPDATE order_events SET note = replace(replace(note, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(note, char(13)) > 0;
UPDATE stock_ledger SET note = replace(replace(note, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(note, char(13)) > 0;
UPDATE refunds SET note = replace(replace(note, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(note, char(13)) > 0;
UPDATE payment_proofs SET reason = replace(replace(reason, char(13, 10), char(10)), char(13), char(10))
    WHERE instr(reason, char(13)) > 0;
