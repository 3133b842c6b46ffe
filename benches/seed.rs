//! Benchmark seeder: fills `DATA_DIR/store.db` with a large, realistic-looking catalog for
//! the HTTP benchmarks in `benches/run.sh`. It owns only test data: 4 top-level categories
//! with 4 subcategories, N active products (1–4 Size/Colour variants each, varied prices,
//! some sold out, staggered creation times, titles and descriptions built from word lists
//! so full-text search has real hits), ~24 reused procedural product photos when the image
//! pipeline works (none when it does not), two banners, and the `catalog_initialized` meta
//! row so `serve` never loads the demo over it.
//!
//! Usage: `cargo bench --bench seed -- DATA_DIR [PRODUCTS]` (default 10000).

use boutique::db::Tx;
use boutique::db::{Db, Sync};
use boutique::error::Result;
use boutique::shop::catalog::images::{self, ImageSet};
use boutique::shop::catalog::{self, NewBanner, NewProduct, NewVariant};
use image::{DynamicImage, Rgb, RgbImage};
use std::path::PathBuf;
use std::time::Instant;

/// Products per write transaction.
const BATCH: usize = 500;
/// Distinct photos, reused across products (store_image dedups by hash).
const PHOTOS: usize = 24;

/// (slug, name, parent slug, description)
const CATEGORIES: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "clothing",
        "Clothing",
        None,
        "Handloom cottons and linens, cut to be lived in.",
    ),
    (
        "tops",
        "Shirts & Tops",
        Some("clothing"),
        "Tees, shirts and tops in breathable weaves.",
    ),
    (
        "dresses",
        "Dresses & Scarves",
        Some("clothing"),
        "Easy dresses and stoles, dyed by hand.",
    ),
    (
        "home",
        "Home",
        None,
        "Textiles, stoneware and candles for a calmer home.",
    ),
    (
        "bedding",
        "Bedding",
        Some("home"),
        "Sheets, quilts and throws woven on handlooms.",
    ),
    (
        "kitchen",
        "Kitchen & Table",
        Some("home"),
        "Napkins, runners and hand-thrown tableware.",
    ),
    (
        "skincare",
        "Skincare",
        None,
        "Small-batch oils, toners and balms.",
    ),
    (
        "pantry",
        "Pantry",
        None,
        "Single-origin teas, spices and honey from small farms.",
    ),
];

/// Leaf categories products go into, with the nouns that fit them.
const KINDS: &[(&str, &[&str])] = &[
    (
        "tops",
        &["Shirt", "Tee", "Kurta Top", "Tunic", "Overshirt", "Blouse"],
    ),
    (
        "dresses",
        &["Wrap Dress", "Midi Dress", "Stole", "Scarf", "Kaftan"],
    ),
    ("clothing", &["Tote", "Pouch", "Apron", "Jacket"]),
    (
        "bedding",
        &["Quilt", "Bedsheet", "Throw", "Pillow Cover", "Dohar"],
    ),
    (
        "kitchen",
        &[
            "Napkin Set",
            "Table Runner",
            "Tea Towel",
            "Mug",
            "Serving Bowl",
        ],
    ),
    (
        "home",
        &["Cushion Cover", "Candle", "Rug", "Curtain", "Basket"],
    ),
    (
        "skincare",
        &[
            "Face Oil",
            "Toner",
            "Body Lotion",
            "Lip Balm",
            "Soap Bar",
            "Clay Mask",
        ],
    ),
    (
        "pantry",
        &["Tea Blend", "Spice Mix", "Honey", "Pickle", "Ghee"],
    ),
];

/// 25 materials: each word is the main material of ~1/25 of the catalog (~400 of 10,000),
/// so a search for "linen" has a few hundred hits.
const MATERIALS: &[&str] = &[
    "Linen",
    "Khadi",
    "Mulmul",
    "Ikat",
    "Chanderi",
    "Cotton",
    "Silk",
    "Wool",
    "Jute",
    "Hemp",
    "Bamboo",
    "Kantha",
    "Bandhani",
    "Ajrakh",
    "Kalamkari",
    "Tussar",
    "Eri",
    "Muga",
    "Denim",
    "Chambray",
    "Saffron",
    "Sandalwood",
    "Neem",
    "Turmeric",
    "Vetiver",
];
const ADJECTIVES: &[&str] = &[
    "Handloom",
    "Block-Print",
    "Hand-Dyed",
    "Washed",
    "Organic",
    "Heirloom",
    "Everyday",
    "Heritage",
    "Slow-Made",
    "Artisan",
    "Classic",
    "Relaxed",
    "Breezy",
    "Earthy",
    "Quiet",
];
const COLOURS: &[&str] = &[
    "Indigo", "Madder", "Natural", "Charcoal", "Sage", "Rust", "Ivory", "Plum", "Ochre", "Slate",
];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];
const PLACES: &[&str] = &[
    "Maheshwar",
    "Bagru",
    "Kutch",
    "Pochampally",
    "Kannauj",
    "Pondicherry",
    "Nilgiris",
    "Varanasi",
    "Bhuj",
    "Sanganer",
    "Chettinad",
    "Kota",
];
const DETAILS: &[&str] = &[
    "Pre-washed, so it will not shrink.",
    "Dyed in small vats; every piece takes the colour a little differently.",
    "Finished by hand and checked twice before it leaves the workshop.",
    "Gets softer with every wash.",
    "Made in small batches by a cooperative of twelve families.",
    "Packed in recycled paper, no plastic.",
    "Machine wash cold, dry in the shade.",
    "Naturally breathable and cool in the summer heat.",
];

/// A tiny deterministic PRNG (xorshift64*) so every run seeds the same catalog.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// Flat colour with a vertical gradient and a lighter block: simple, distinct per `k`.
fn photo(k: usize) -> RgbImage {
    let base = [
        (40 + (k * 37) % 200) as f32,
        (60 + (k * 71) % 180) as f32,
        (50 + (k * 113) % 190) as f32,
    ];
    RgbImage::from_fn(800, 1000, |x, y| {
        let t = y as f32 / 1000.0;
        let block = (200..600).contains(&x) && (250..750).contains(&y);
        let lift = if block { 40.0 } else { 0.0 };
        let c = |b: f32| (b * (0.7 + 0.5 * t) + lift).min(255.0) as u8;
        Rgb([c(base[0]), c(base[1]), c(base[2])])
    })
}

/// Processes the photos; None (with a note) when the image pipeline is not available.
fn photos() -> Option<Vec<ImageSet>> {
    let mut out = Vec::with_capacity(PHOTOS);
    for k in 0..PHOTOS {
        match images::process_image(DynamicImage::ImageRgb8(photo(k))) {
            Ok(set) => out.push(set),
            Err(e) => {
                println!("seed: image pipeline unavailable ({e}); seeding without images");
                return None;
            }
        }
    }
    Some(out)
}

struct Args {
    dir: PathBuf,
    products: usize,
}

fn parse_args() -> std::result::Result<Args, String> {
    // `cargo bench` appends `--bench`; ignore flags.
    let pos: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let dir = pos
        .first()
        .ok_or("usage: cargo bench --bench seed -- DATA_DIR [PRODUCTS]")?;
    let products = match pos.get(1) {
        Some(n) => n.parse().map_err(|_| format!("not a number: {n}"))?,
        None => 10_000,
    };
    Ok(Args {
        dir: PathBuf::from(dir),
        products,
    })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = seed(&args) {
        eprintln!("seed failed: {e}");
        std::process::exit(1);
    }
}

fn seed(args: &Args) -> Result<()> {
    let path = args.dir.join("store.db");
    if path.exists() {
        eprintln!("{} already exists; remove it first", path.display());
        std::process::exit(2);
    }
    let started = Instant::now();
    let sets = photos();
    let rendered = started.elapsed();
    let db = Db::open(&path, Sync::Normal, 1)?;
    let now = boutique::db::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // Categories, banners and the photos in the first transaction.
    let (cat_ids, image_ids) = db.write_tx(|tx| {
        let ids = catalog::create_category_tree(tx, CATEGORIES, now)?;
        let mut image_ids = Vec::new();
        for (k, set) in sets.iter().flatten().enumerate() {
            image_ids.push(catalog::store_image(
                tx,
                set,
                &format!("Product photo {k}"),
                now,
            )?);
        }
        for (i, (title, link)) in [
            ("Woven slowly, worn for years", "/c/clothing"),
            ("Linen for the hot months", "/c/home"),
        ]
        .iter()
        .enumerate()
        {
            catalog::create_banner(
                tx,
                &NewBanner {
                    title,
                    subtitle: "New pieces from small workshops every week.",
                    link,
                    link_label: "Shop now",
                    image_id: image_ids.get(i).copied(),
                    position: i as i64,
                    starts_at: None,
                    ends_at: None,
                },
                now,
            )?;
        }
        Ok((ids, image_ids))
    })?;

    let n = args.products;
    let mut done = 0;
    let mut variants = 0usize;
    while done < n {
        let end = (done + BATCH).min(n);
        variants += db.write_tx(|tx| {
            let mut vcount = 0;
            for i in done..end {
                vcount += product(tx, &mut rng, i, n, now, &cat_ids, &image_ids)?;
            }
            Ok(vcount)
        })?;
        done = end;
    }
    db.write_tx(|tx| {
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('catalog_initialized','1')",
            [],
        )?;
        Ok(())
    })?;
    let conn = db.read()?;
    let linen: i64 = conn.query_row(
        "SELECT count(*) FROM product_search WHERE product_search MATCH 'linen'",
        [],
        |r| r.get(0),
    )?;
    let sold_out: i64 = conn.query_row(
        "SELECT count(*) FROM products WHERE in_stock = 0",
        [],
        |r| r.get(0),
    )?;
    drop(conn);
    drop(db);
    // Leave a tidy file with no WAL for the server to read through. No ANALYZE: the store
    // never runs it, so the benchmark must not get better query plans than owners do.
    rusqlite::Connection::open(&path)?.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    println!(
        "seeded {} products ({variants} variants, {} images, {sold_out} sold out, {linen} match \"linen\") into {} in {:.2} s (images {:.2} s)",
        n,
        image_ids.len(),
        path.display(),
        started.elapsed().as_secs_f64(),
        rendered.as_secs_f64()
    );
    Ok(())
}

/// Inserts product `i` of `n` with its variants and photos; returns the variant count.
fn product(
    tx: &Tx,
    rng: &mut Rng,
    i: usize,
    n: usize,
    now: i64,
    cat_ids: &std::collections::HashMap<&str, i64>,
    image_ids: &[i64],
) -> Result<usize> {
    let (cat, nouns) = KINDS[rng.below(KINDS.len())];
    let material = MATERIALS[i % MATERIALS.len()];
    let title = format!(
        "{} {} {} {}",
        rng.pick(ADJECTIVES),
        material,
        rng.pick(nouns),
        rng.pick(COLOURS)
    );
    let slug = format!("{}-{}", catalog::slugify(&title), i + 1);
    let description = format!(
        "{title}, made in {} from {} {}.\n\n- {}\n- {}\n\nA piece from our {} collection, no. {}.",
        rng.pick(PLACES),
        rng.pick(ADJECTIVES).to_lowercase(),
        material.to_lowercase(),
        rng.pick(DETAILS),
        rng.pick(DETAILS),
        rng.pick(COLOURS).to_lowercase(),
        i + 1,
    );
    let option_names: &[&str] = match rng.below(4) {
        0 => &[],
        1 => &["Size"],
        2 => &["Colour"],
        _ => &["Size", "Colour"],
    };
    // Oldest first; the newest product is a minute old.
    let created = now - (n - i) as i64 * 60;
    let pid = catalog::create_product(
        tx,
        &NewProduct {
            category_id: cat_ids.get(cat).copied(),
            slug: &slug,
            title: &title,
            description: &description,
            status: "active",
            featured: i.is_multiple_of(97),
            option_names,
            seo_title: "",
            seo_description: "",
        },
        created,
    )?;
    let count = if option_names.is_empty() {
        1
    } else {
        1 + rng.below(4)
    };
    let base_price = (300 + rng.below(8_000)) as i64 * 100;
    let sold_out = rng.below(12) == 0;
    let first_size = rng.below(SIZES.len());
    let first_colour = rng.below(COLOURS.len());
    for j in 0..count {
        let size = SIZES[(first_size + j) % SIZES.len()];
        let colour = COLOURS[(first_colour + j) % COLOURS.len()];
        let opts: Vec<&str> = option_names
            .iter()
            .map(|o| if *o == "Size" { size } else { colour })
            .collect();
        let stock = if sold_out || rng.below(6) == 0 {
            0
        } else {
            1 + rng.below(40) as i64
        };
        let sku = format!("BQ-{:05}-{}", i + 1, j + 1);
        catalog::create_variant(
            tx,
            pid,
            &NewVariant {
                sku: &sku,
                options: &opts,
                price: base_price + (j as i64) * 5_000,
                compare_at: (rng.below(5) == 0).then_some(base_price * 6 / 5),
                stock,
                low_stock_threshold: None,
                weight_grams: 100 + rng.below(900) as i64,
                position: j as i64,
            },
            created,
        )?;
    }
    if !image_ids.is_empty() {
        let photos = 1 + rng.below(2);
        for k in 0..photos {
            let img = image_ids[(i + k * 7) % image_ids.len()];
            catalog::attach_image(tx, pid, img, k as i64)?;
        }
    }
    Ok(count)
}
