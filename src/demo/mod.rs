//! The demo boutique, "Saffron & Loom": loaded into an empty database on the first `serve`
//! (not with `--no-demo`) so an owner sees a real-looking store at once. Four categories
//! (Clothing with two subcategories, Skincare, Pantry, Home), 24 products with variants and
//! stock from sold-out to plenty, procedurally drawn product photos and two banners. The
//! images go through the same WebP pipeline as uploads.

pub mod art;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::shop::catalog::images::{self, ImageSet};
use crate::shop::catalog::{self, NewBanner, NewProduct, NewVariant};
use art::Motif;
use rusqlite::OptionalExtension;

struct DemoProduct {
    title: &'static str,
    category: &'static str,
    motif: Motif,
    color: [u8; 3],
    photos: u32,
    featured: bool,
    options: &'static [&'static str],
    /// (option values, price in paise, compare-at, stock)
    variants: &'static [(&'static [&'static str], i64, Option<i64>, i64)],
    description: &'static str,
}

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
        "Tees, shirts and tops in breathable handloom.",
    ),
    (
        "dresses-scarves",
        "Dresses & Scarves",
        Some("clothing"),
        "Easy dresses and stoles, dyed by hand.",
    ),
    (
        "skincare",
        "Skincare",
        None,
        "Small-batch oils, toners and balms with Indian botanicals.",
    ),
    (
        "pantry",
        "Pantry",
        None,
        "Single-origin teas, spices and honey from small farms.",
    ),
    (
        "home",
        "Home & Living",
        None,
        "Candles, stoneware and textiles for a calmer home.",
    ),
];

const SIZES: &[&str] = &["Size"];
const SIZE_COLOUR: &[&str] = &["Size", "Colour"];
const COLOUR: &[&str] = &["Colour"];
const VOLUME: &[&str] = &["Size"];
const NONE: &[&str] = &[];

const PRODUCTS: &[DemoProduct] = &[
    DemoProduct {
        title: "Handloom Cotton Tee",
        category: "tops",
        motif: Motif::Tee,
        color: [226, 214, 196],
        photos: 2,
        featured: true,
        options: SIZES,
        variants: &[
            (&["S"], 129_000, None, 12),
            (&["M"], 129_000, None, 3),
            (&["L"], 129_000, None, 0),
            (&["XL"], 129_000, None, 8),
        ],
        description: "A soft, slightly slubby tee woven on handlooms in Maheshwar.\n\n- 100% handloom cotton\n- Relaxed fit, dropped shoulder\n- Pre-washed: **no shrinking**\n\nMachine wash cold, dry in the shade.",
    },
    DemoProduct {
        title: "Indigo Linen Shirt",
        category: "tops",
        motif: Motif::Shirt,
        color: [52, 72, 112],
        photos: 2,
        featured: true,
        options: SIZE_COLOUR,
        variants: &[
            (&["S", "Indigo"], 289_000, Some(340_000), 6),
            (&["M", "Indigo"], 289_000, Some(340_000), 2),
            (&["L", "Indigo"], 289_000, Some(340_000), 9),
            (&["S", "Natural"], 289_000, Some(340_000), 4),
            (&["M", "Natural"], 289_000, Some(340_000), 0),
            (&["L", "Natural"], 289_000, Some(340_000), 7),
        ],
        description: "Washed linen dyed with natural indigo in small vats. Each shirt takes the colour a little differently.\n\nMother-of-pearl buttons, a single chest pocket and a curved hem that works tucked or loose.",
    },
    DemoProduct {
        title: "Block-Print Kurta Top",
        category: "tops",
        motif: Motif::Shirt,
        color: [184, 92, 70],
        photos: 1,
        featured: false,
        options: SIZES,
        variants: &[
            (&["S"], 215_000, None, 10),
            (&["M"], 215_000, None, 14),
            (&["L"], 215_000, None, 5),
        ],
        description: "Hand block-printed in Bagru with madder and iron-rust dyes. A short kurta that sits just below the hip.",
    },
    DemoProduct {
        title: "Organic Cotton Tank",
        category: "tops",
        motif: Motif::Tee,
        color: [238, 234, 226],
        photos: 1,
        featured: false,
        options: SIZES,
        variants: &[
            (&["S"], 89_000, None, 0),
            (&["M"], 89_000, None, 0),
            (&["L"], 89_000, None, 0),
        ],
        description: "Our lightest layer, in GOTS-certified organic cotton. *Back in stock soon.*",
    },
    DemoProduct {
        title: "Khadi Overshirt",
        category: "tops",
        motif: Motif::Shirt,
        color: [120, 112, 84],
        photos: 1,
        featured: false,
        options: SIZES,
        variants: &[(&["M"], 345_000, None, 4), (&["L"], 345_000, None, 11)],
        description: "Hand-spun, hand-woven khadi with a heavier hand. Wear it open as a light jacket.",
    },
    DemoProduct {
        title: "Mulmul Wrap Dress",
        category: "dresses-scarves",
        motif: Motif::Dress,
        color: [206, 150, 120],
        photos: 2,
        featured: true,
        options: SIZES,
        variants: &[
            (&["S"], 399_000, None, 5),
            (&["M"], 399_000, None, 8),
            (&["L"], 399_000, None, 1),
        ],
        description: "Feather-light mulmul cotton that moves with you. Ties at the waist, pockets at the side.",
    },
    DemoProduct {
        title: "Ikat Midi Dress",
        category: "dresses-scarves",
        motif: Motif::Dress,
        color: [96, 62, 88],
        photos: 1,
        featured: false,
        options: SIZE_COLOUR,
        variants: &[
            (&["S", "Plum"], 459_000, Some(520_000), 3),
            (&["M", "Plum"], 459_000, Some(520_000), 6),
            (&["S", "Rust"], 459_000, Some(520_000), 2),
            (&["M", "Rust"], 459_000, Some(520_000), 0),
        ],
        description: "Double ikat from Pochampally, where the threads are dyed before weaving so the pattern blurs softly at its edges.",
    },
    DemoProduct {
        title: "Silk-Cotton Stole",
        category: "dresses-scarves",
        motif: Motif::Scarf,
        color: [214, 160, 60],
        photos: 1,
        featured: true,
        options: COLOUR,
        variants: &[
            (&["Saffron"], 185_000, None, 15),
            (&["Sage"], 185_000, None, 9),
            (&["Ivory"], 185_000, None, 20),
        ],
        description: "A long stole in silk-cotton chanderi with a quiet sheen. Light enough for summer evenings.",
    },
    DemoProduct {
        title: "Bandhani Scarf",
        category: "dresses-scarves",
        motif: Motif::Scarf,
        color: [176, 54, 58],
        photos: 1,
        featured: false,
        options: COLOUR,
        variants: &[
            (&["Red"], 145_000, None, 2),
            (&["Indigo"], 145_000, None, 4),
        ],
        description: "Tie-dyed by hand in Kutch: thousands of tiny knots make each pattern.",
    },
    DemoProduct {
        title: "Canvas Market Tote",
        category: "clothing",
        motif: Motif::Tote,
        color: [200, 184, 150],
        photos: 1,
        featured: false,
        options: COLOUR,
        variants: &[
            (&["Natural"], 99_000, None, 40),
            (&["Charcoal"], 99_000, None, 18),
        ],
        description: "Heavy cotton canvas with leather-free handles, big enough for a week's vegetables.",
    },
    DemoProduct {
        title: "Saffron Glow Face Oil",
        category: "skincare",
        motif: Motif::Bottle,
        color: [196, 120, 40],
        photos: 2,
        featured: true,
        options: VOLUME,
        variants: &[
            (&["15 ml"], 145_000, None, 25),
            (&["30 ml"], 245_000, Some(290_000), 7),
        ],
        description: "Kumkumadi-inspired facial oil with Kashmiri saffron, sandalwood and cold-pressed sesame.\n\nWarm three drops between your palms and press into damp skin at night.",
    },
    DemoProduct {
        title: "Rose Water Toner",
        category: "skincare",
        motif: Motif::Bottle,
        color: [222, 160, 170],
        photos: 1,
        featured: false,
        options: VOLUME,
        variants: &[
            (&["100 ml"], 65_000, None, 30),
            (&["200 ml"], 110_000, None, 12),
        ],
        description: "Steam-distilled from Kannauj roses. Nothing added.",
    },
    DemoProduct {
        title: "Turmeric Clay Mask",
        category: "skincare",
        motif: Motif::Jar,
        color: [214, 168, 64],
        photos: 1,
        featured: false,
        options: NONE,
        variants: &[(&[], 89_000, None, 16)],
        description: "Kaolin and multani mitti with wild turmeric and sandalwood. Mix with rose water, rinse after ten minutes.",
    },
    DemoProduct {
        title: "Kokum Butter Lip Balm",
        category: "skincare",
        motif: Motif::Tube,
        color: [150, 90, 70],
        photos: 1,
        featured: false,
        options: NONE,
        variants: &[(&[], 35_000, None, 4)],
        description: "Kokum and ghee balm in a compostable paper tube.",
    },
    DemoProduct {
        title: "Neem & Tulsi Soap Bar",
        category: "skincare",
        motif: Motif::Soap,
        color: [140, 160, 110],
        photos: 1,
        featured: false,
        options: &["Pack"],
        variants: &[
            (&["Single"], 28_000, None, 60),
            (&["Pack of 3"], 75_000, Some(84_000), 20),
        ],
        description: "Cold-process soap cured for six weeks. Neem, holy basil and coconut oil.",
    },
    DemoProduct {
        title: "Vetiver Body Lotion",
        category: "skincare",
        motif: Motif::Bottle,
        color: [110, 120, 96],
        photos: 1,
        featured: false,
        options: NONE,
        variants: &[(&[], 99_000, Some(120_000), 9)],
        description: "An earthy, cooling lotion with khus (vetiver) and aloe.",
    },
    DemoProduct {
        title: "Kashmiri Saffron",
        category: "pantry",
        motif: Motif::SpiceJar,
        color: [180, 40, 30],
        photos: 2,
        featured: true,
        options: &["Weight"],
        variants: &[(&["1 g"], 69_000, None, 30), (&["2 g"], 129_000, None, 14)],
        description: "Grade-one mongra saffron from Pampore, hand-separated. A few threads colour a whole pot of rice.",
    },
    DemoProduct {
        title: "Darjeeling First Flush",
        category: "pantry",
        motif: Motif::TeaTin,
        color: [70, 110, 90],
        photos: 1,
        featured: false,
        options: &["Weight"],
        variants: &[
            (&["50 g"], 78_000, None, 20),
            (&["100 g"], 145_000, None, 6),
        ],
        description: "Spring-picked leaves from a single estate: bright, floral, muscatel.",
    },
    DemoProduct {
        title: "Masala Chai Blend",
        category: "pantry",
        motif: Motif::TeaTin,
        color: [150, 70, 50],
        photos: 1,
        featured: false,
        options: NONE,
        variants: &[(&[], 45_000, None, 50)],
        description: "Assam CTC with green cardamom, ginger, cinnamon and a little black pepper.",
    },
    DemoProduct {
        title: "Wild Forest Honey",
        category: "pantry",
        motif: Motif::Jar,
        color: [200, 130, 30],
        photos: 1,
        featured: false,
        options: &["Weight"],
        variants: &[(&["250 g"], 52_000, None, 3), (&["500 g"], 95_000, None, 0)],
        description: "Raw multi-flora honey gathered by the Kurumba community in the Nilgiris. Unheated, unfiltered.",
    },
    DemoProduct {
        title: "Cold-Pressed Mustard Oil",
        category: "pantry",
        motif: Motif::Bottle,
        color: [190, 160, 40],
        photos: 1,
        featured: false,
        options: NONE,
        variants: &[(&[], 39_000, None, 0)],
        description: "Wood-pressed (kachi ghani) from black mustard seed. Pungent and golden.",
    },
    DemoProduct {
        title: "Sandalwood Soy Candle",
        category: "home",
        motif: Motif::Candle,
        color: [232, 220, 200],
        photos: 2,
        featured: true,
        options: NONE,
        variants: &[(&[], 115_000, None, 22)],
        description: "Soy wax with Mysore sandalwood and a cotton wick, poured into a reusable clay pot. About 40 hours of burning.",
    },
    DemoProduct {
        title: "Hand-Thrown Stoneware Mug",
        category: "home",
        motif: Motif::Mug,
        color: [90, 110, 120],
        photos: 1,
        featured: false,
        options: COLOUR,
        variants: &[(&["Slate"], 85_000, None, 10), (&["Oat"], 85_000, None, 5)],
        description: "Thrown by hand in Pondicherry; every glaze pools a little differently. Dishwasher safe.",
    },
    DemoProduct {
        title: "Kantha Cushion Cover",
        category: "home",
        motif: Motif::Cushion,
        color: [170, 80, 60],
        photos: 1,
        featured: true,
        options: COLOUR,
        variants: &[
            (&["Madder"], 139_000, Some(165_000), 8),
            (&["Indigo"], 139_000, Some(165_000), 1),
        ],
        description: "Layers of old saris stitched together with running kantha stitch. 45 × 45 cm, cover only.",
    },
];

/// True once the catalog was seeded (demo or deliberately empty).
const INITIALIZED: &str = "catalog_initialized";

pub fn mark_initialized(db: &Db) -> Result<()> {
    db.write_tx(|tx| {
        tx.execute(sql::MARK, [INITIALIZED])?;
        Ok(())
    })
}

/// Loads the demo catalog when the store has never been initialised.
pub fn load_if_empty(db: &Db) -> Result<bool> {
    let done: Option<String> = db
        .read()?
        .query_row(sql::IS_MARKED, [INITIALIZED], |r| r.get(0))
        .optional()?;
    if done.is_some() {
        return Ok(false);
    }
    let photos = render_photos()?;
    let banners = render_banners()?;
    let now = crate::db::now();
    db.write_tx(|tx| {
        let ids = catalog::create_category_tree(tx, CATEGORIES, now)?;
        for (i, p) in PRODUCTS.iter().enumerate() {
            let slug = catalog::slugify(p.title);
            // Staggered creation times give "new arrivals" a stable order.
            let created = now - (PRODUCTS.len() - i) as i64 * 3_600;
            let pid = catalog::create_product(
                tx,
                &NewProduct {
                    category_id: ids.get(p.category).copied(),
                    slug: &slug,
                    title: p.title,
                    description: p.description,
                    status: "active",
                    featured: p.featured,
                    option_names: p.options,
                    seo_title: "",
                    seo_description: "",
                },
                created,
            )?;
            for (j, (opts, price, compare, stock)) in p.variants.iter().enumerate() {
                let sku = sku_for(&slug, opts, j);
                catalog::create_variant(
                    tx,
                    pid,
                    &NewVariant {
                        sku: &sku,
                        options: opts,
                        price: *price,
                        compare_at: *compare,
                        stock: *stock,
                        low_stock_threshold: None,
                        weight_grams: 250,
                        position: j as i64,
                    },
                    created,
                )?;
            }
            // Skincare and pantry run out: their buyers get a reorder reminder.
            if matches!(p.category, "skincare" | "pantry") {
                catalog::admin::set_consumable(tx, pid, true)?;
            }
            for (k, set) in photos[i].iter().enumerate() {
                let img = catalog::store_image(tx, set, p.title, now)?;
                catalog::attach_image(tx, pid, img, k as i64)?;
            }
        }
        let texts = [
            (
                "Woven slowly, worn for years",
                "New handloom shirts and dresses, dyed with indigo and madder.",
                "/c/clothing",
                "Shop clothing",
            ),
            (
                "Rituals from the Indian pantry",
                "Saffron, first-flush Darjeeling and raw forest honey.",
                "/c/pantry",
                "Shop the pantry",
            ),
        ];
        for (i, (set, (title, sub, link, label))) in banners.iter().zip(texts).enumerate() {
            let img = catalog::store_image(tx, set, title, now)?;
            catalog::create_banner(
                tx,
                &NewBanner {
                    title,
                    subtitle: sub,
                    link,
                    link_label: label,
                    image_id: Some(img),
                    position: i as i64,
                    starts_at: None,
                    ends_at: None,
                },
                now,
            )?;
        }
        // One coupon to try at checkout: 10% off orders of ₹999 or more, once per email.
        crate::shop::cart::coupons::create(
            tx,
            &crate::shop::cart::coupons::NewCoupon {
                code: "WELCOME10".into(),
                kind: "percent".into(),
                value: 10,
                min_subtotal: 99_900,
                per_customer: Some(1),
                ..Default::default()
            },
            now,
        )?;
        tx.execute(sql::MARK, [INITIALIZED])?;
        Ok(())
    })?;
    Ok(true)
}

fn sku_for(slug: &str, opts: &[&str], j: usize) -> String {
    let stem: String = slug
        .split('-')
        .filter_map(|w| w.chars().next())
        .take(4)
        .collect::<String>()
        .to_uppercase();
    let tail: String = opts
        .iter()
        .map(|o| o.split_whitespace().collect::<String>().to_uppercase())
        .collect::<Vec<_>>()
        .join("-");
    if tail.is_empty() {
        format!("SL-{stem}-{:02}", j + 1)
    } else {
        format!("SL-{stem}-{tail}")
    }
}

/// Draws and encodes every product photo, split over two threads (first start only).
fn render_photos() -> Result<Vec<Vec<ImageSet>>> {
    let jobs: Vec<(usize, u32)> = PRODUCTS
        .iter()
        .enumerate()
        .flat_map(|(i, p)| (0..p.photos).map(move |k| (i, k)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4);
    let chunks: Vec<Vec<(usize, u32)>> = (0..threads)
        .map(|t| jobs.iter().copied().skip(t).step_by(threads).collect())
        .collect();
    let results: Vec<Result<Vec<(usize, u32, ImageSet)>>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(i, k)| {
                            let p = &PRODUCTS[i];
                            let img = art::product_photo(p.motif, p.color, k, 800, 1000);
                            Ok((
                                i,
                                k,
                                images::process_image(image::DynamicImage::ImageRgb8(img))?,
                            ))
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::internal("demo image thread panicked")))
            })
            .collect()
    });
    let mut out: Vec<Vec<(u32, ImageSet)>> = (0..PRODUCTS.len()).map(|_| Vec::new()).collect();
    for r in results {
        for (i, k, set) in r? {
            out[i].push((k, set));
        }
    }
    Ok(out
        .into_iter()
        .map(|mut v| {
            v.sort_by_key(|(k, _)| *k);
            v.into_iter().map(|(_, s)| s).collect()
        })
        .collect())
}

fn render_banners() -> Result<Vec<ImageSet>> {
    (0..2)
        .map(|k| images::process_image(image::DynamicImage::ImageRgb8(art::banner(k, 1600, 640))))
        .collect()
}

pub mod sql {
    //! SQL of the demo loader.
    pub const MARK: &str = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, '1')";
    pub const IS_MARKED: &str = "SELECT value FROM meta WHERE key = ?1";
    pub const ALL: &[&str] = &[MARK, IS_MARKED];
}
