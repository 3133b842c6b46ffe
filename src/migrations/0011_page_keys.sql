-- Migration 11: invalidate only what changed.
--
-- catalog_version is now the *global* key: it moves on what every listing or the frame
-- shows (categories, banners, a product's card: title, address, status, category, price
-- from, in stock, picture, stars; facets: variant options; search: text and SKUs).
-- A sale that leaves its product in stock no longer moves it.
-- product_changes is the *per-product* key: every change to a product, its variants
-- (stock included), pictures or reviews appends its product id here; the writer reads the
-- new rows after each COMMIT into memory (db.rs), so a product page is stale exactly when
-- its own product changed after it was rendered. Rows already read are pruned inside a
-- later write (the newest is kept so the sequence never restarts).
DROP TRIGGER products_bump_update;
CREATE TRIGGER products_bump_update AFTER UPDATE ON products
WHEN OLD.title IS NOT NEW.title OR OLD.slug IS NOT NEW.slug OR OLD.description IS NOT NEW.description
     OR OLD.status IS NOT NEW.status OR OLD.category_id IS NOT NEW.category_id
     OR OLD.featured IS NOT NEW.featured OR OLD.min_price IS NOT NEW.min_price
     OR OLD.in_stock IS NOT NEW.in_stock OR OLD.created_at IS NOT NEW.created_at
     OR OLD.option1_name IS NOT NEW.option1_name OR OLD.option2_name IS NOT NEW.option2_name
     OR OLD.option3_name IS NOT NEW.option3_name
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;

DROP TRIGGER variants_bump_update;
CREATE TRIGGER variants_bump_update AFTER UPDATE ON variants
WHEN OLD.compare_at_price IS NOT NEW.compare_at_price OR OLD.sku IS NOT NEW.sku
     OR OLD.option1 IS NOT NEW.option1 OR OLD.option2 IS NOT NEW.option2 OR OLD.option3 IS NOT NEW.option3
     OR OLD.archived IS NOT NEW.archived OR OLD.position IS NOT NEW.position
     OR OLD.product_id IS NOT NEW.product_id
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;

CREATE TABLE product_changes (
    seq        INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL
) STRICT;

CREATE TRIGGER product_changes_variant_insert AFTER INSERT ON variants
BEGIN INSERT INTO product_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER product_changes_variant_update AFTER UPDATE ON variants
BEGIN INSERT INTO product_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER product_changes_variant_delete AFTER DELETE ON variants
BEGIN INSERT INTO product_changes (product_id) VALUES (OLD.product_id); END;
CREATE TRIGGER product_changes_product_update AFTER UPDATE ON products
BEGIN INSERT INTO product_changes (product_id) VALUES (NEW.id); END;
CREATE TRIGGER product_changes_product_delete AFTER DELETE ON products
BEGIN INSERT INTO product_changes (product_id) VALUES (OLD.id); END;
CREATE TRIGGER product_changes_image_insert AFTER INSERT ON product_images
BEGIN INSERT INTO product_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER product_changes_image_update AFTER UPDATE ON product_images
BEGIN INSERT INTO product_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER product_changes_image_delete AFTER DELETE ON product_images
BEGIN INSERT INTO product_changes (product_id) VALUES (OLD.product_id); END;
CREATE TRIGGER product_changes_picture_update AFTER UPDATE ON images
BEGIN INSERT INTO product_changes (product_id) SELECT product_id FROM product_images WHERE image_id = NEW.id; END;
CREATE TRIGGER product_changes_review_insert AFTER INSERT ON reviews WHEN NEW.product_id IS NOT NULL
BEGIN INSERT INTO product_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER product_changes_review_update AFTER UPDATE ON reviews WHEN NEW.product_id IS NOT NULL
BEGIN INSERT INTO product_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER product_changes_review_delete AFTER DELETE ON reviews WHEN OLD.product_id IS NOT NULL
BEGIN INSERT INTO product_changes (product_id) VALUES (OLD.product_id); END;
