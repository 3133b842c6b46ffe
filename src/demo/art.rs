//! Procedural demo artwork for the "Saffron & Loom" sample shop: product photos (clothing,
//! skincare, pantry, home) and two hero banners, drawn in pure Rust so the repository ships
//! no binary assets and the demo never downloads anything. Objects are signed-distance
//! shapes composited in layers over a seamless-paper studio backdrop, with analytic
//! anti-aliasing (a one-pixel coverage ramp from the distance) instead of supersampling,
//! which keeps a 900×1125 photo cheap even in a debug build.

use image::RgbImage;

/// Colour in 0..1 floats (sRGB-ish; the shading is artistic, not physical).
type Rgbf = [f32; 3];

/// What the demo loader can photograph. Each motif is one recognisable object; colour and
/// variant make the ~24 demo products distinct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motif {
    Tee,
    Shirt,
    Dress,
    Scarf,
    Tote,
    Bottle,
    Dropper,
    Jar,
    Tube,
    Soap,
    Candle,
    TeaTin,
    SpiceJar,
    Mug,
    Cushion,
}

impl Motif {
    pub const ALL: [Motif; 15] = [
        Motif::Tee,
        Motif::Shirt,
        Motif::Dress,
        Motif::Scarf,
        Motif::Tote,
        Motif::Bottle,
        Motif::Dropper,
        Motif::Jar,
        Motif::Tube,
        Motif::Soap,
        Motif::Candle,
        Motif::TeaTin,
        Motif::SpiceJar,
        Motif::Mug,
        Motif::Cushion,
    ];
}

/// Muted colours that suit the backdrop; the demo catalogue picks from these.
pub const PALETTE: [(&str, [u8; 3]); 12] = [
    ("saffron", [214, 150, 48]),
    ("terracotta", [186, 98, 68]),
    ("sage", [150, 166, 132]),
    ("indigo", [58, 72, 112]),
    ("oat", [226, 214, 192]),
    ("plum", [112, 62, 82]),
    ("moss", [98, 108, 62]),
    ("clay", [200, 160, 130]),
    ("charcoal", [58, 58, 60]),
    ("blush", [222, 178, 168]),
    ("ochre", [190, 140, 60]),
    ("teal", [56, 110, 112]),
];

/// Above this many pixels the scene is rendered smaller and upscaled: the soft studio look
/// survives a 2× CatmullRom upscale, and the renderer runs unoptimised in debug builds.
const MAX_RENDER_PIXELS: f32 = 260_000.0;

/// y of the floor (where standing objects rest) in scene units; see [`Cam`].
const FLOOR: f32 = 0.30;

/// Tile size (pixels) for skipping empty and solid areas of a layer.
const TILE: usize = 8;

/// A product photo: `motif` in `color` on a soft studio backdrop. `variant` nudges the camera
/// and the backdrop tone so a product's second gallery image is not a copy of the first.
pub fn product_photo(motif: Motif, color: [u8; 3], variant: u32, w: u32, h: u32) -> RgbImage {
    let c = [
        f32::from(color[0]) / 255.0,
        f32::from(color[1]) / 255.0,
        f32::from(color[2]) / 255.0,
    ];
    let idx = Motif::ALL.iter().position(|m| *m == motif).unwrap_or(0) as u32;
    let flat_lay = matches!(motif, Motif::Tee | Motif::Shirt | Motif::Scarf);
    let tone = backdrop_tone(c, idx + variant);
    let backdrop = if flat_lay {
        Backdrop::Flat { tone }
    } else if motif == Motif::Dress {
        Backdrop::Wall { tone }
    } else {
        Backdrop::Studio {
            tone,
            horizon: 0.06,
        }
    };
    let odd = variant % 2 == 1;
    let side = if variant % 4 < 2 { 1.0 } else { -1.0 };
    // Small objects are framed closer, as a photographer would.
    let (frame, centre) = match motif {
        Motif::Tee | Motif::Shirt | Motif::Scarf | Motif::Dress => (1.0, 0.0),
        Motif::Tote | Motif::Cushion => (1.12, 0.03),
        Motif::Bottle | Motif::Tube => (1.3, 0.06),
        _ => (1.5, 0.1),
    };
    let (zoom, pan, rot) = match (flat_lay, odd) {
        (_, false) => (frame, V2::new(0.0, centre), 0.0),
        (true, true) => (1.06, V2::new(0.0, 0.01), 0.07 * side),
        (false, true) => (frame * 1.12, V2::new(0.035 * side, centre + 0.03), 0.0),
    };
    let mut scene = Scene::new();
    build(motif, &mut scene, c, variant);
    render_scaled(w, h, zoom, pan, rot, &backdrop, &scene.layers)
}

/// One of two wide hero banners (use `kind` 0 and 1), with the left third left calm for a
/// headline.
pub fn banner(kind: u32, w: u32, h: u32) -> RgbImage {
    let mut scene = Scene::new();
    let backdrop = if kind.is_multiple_of(2) {
        Backdrop::Silk
    } else {
        shelf_still_life(&mut scene, w as f32 / h.max(1) as f32);
        Backdrop::Shelf
    };
    render_scaled(w, h, 1.0, V2::new(0.0, 0.0), 0.0, &backdrop, &scene.layers)
}

// ---------------------------------------------------------------------------------------
// Geometry

#[derive(Debug, Clone, Copy, PartialEq)]
struct V2 {
    x: f32,
    y: f32,
}

impl V2 {
    const fn new(x: f32, y: f32) -> V2 {
        V2 { x, y }
    }
}

fn v(x: f32, y: f32) -> V2 {
    V2 { x, y }
}

/// Signed distance shapes (negative inside), in a layer's local coordinates.
enum Sdf {
    RBox { c: V2, h: V2, r: f32 },
    Ellipse { c: V2, r: V2 },
    Seg { a: V2, b: V2, r: f32 },
    Poly(Vec<V2>),
    Round(Box<Sdf>, f32),
    Onion(Box<Sdf>, f32),
    Union(Vec<Sdf>),
    Inter(Box<Sdf>, Box<Sdf>),
    Sub(Box<Sdf>, Box<Sdf>),
}

fn rbox(cx: f32, cy: f32, hx: f32, hy: f32, r: f32) -> Sdf {
    Sdf::RBox {
        c: v(cx, cy),
        h: v(hx, hy),
        r,
    }
}

fn ell(cx: f32, cy: f32, rx: f32, ry: f32) -> Sdf {
    Sdf::Ellipse {
        c: v(cx, cy),
        r: v(rx, ry),
    }
}

fn seg(ax: f32, ay: f32, bx: f32, by: f32, r: f32) -> Sdf {
    Sdf::Seg {
        a: v(ax, ay),
        b: v(bx, by),
        r,
    }
}

/// A polygon from its right half (top to bottom), mirrored about x = 0.
fn mirrored(right: &[(f32, f32)]) -> Sdf {
    let mut pts: Vec<V2> = right.iter().map(|&(x, y)| v(x, y)).collect();
    pts.extend(right.iter().rev().map(|&(x, y)| v(-x, y)));
    Sdf::Poly(pts)
}

impl Sdf {
    fn round(self, r: f32) -> Sdf {
        Sdf::Round(Box::new(self), r)
    }
    fn onion(self, t: f32) -> Sdf {
        Sdf::Onion(Box::new(self), t)
    }
    fn and(self, o: Sdf) -> Sdf {
        Sdf::Inter(Box::new(self), Box::new(o))
    }
    fn minus(self, o: Sdf) -> Sdf {
        Sdf::Sub(Box::new(self), Box::new(o))
    }

    fn eval(&self, p: V2) -> f32 {
        match self {
            Sdf::RBox { c, h, r } => {
                let qx = (p.x - c.x).abs() - h.x + r;
                let qy = (p.y - c.y).abs() - h.y + r;
                qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - r
            }
            Sdf::Ellipse { c, r } => {
                // Inigo Quilez's cheap approximation: exact enough near the edge, which is
                // all the anti-aliasing and shading need.
                let (px, py) = (p.x - c.x, p.y - c.y);
                let k0 = (px / r.x).hypot(py / r.y);
                let k1 = (px / (r.x * r.x)).hypot(py / (r.y * r.y));
                if k1 < 1e-6 {
                    -r.x.min(r.y)
                } else {
                    k0 * (k0 - 1.0) / k1
                }
            }
            Sdf::Seg { a, b, r } => {
                let (px, py) = (p.x - a.x, p.y - a.y);
                let (ex, ey) = (b.x - a.x, b.y - a.y);
                let len2 = ex * ex + ey * ey;
                let t = if len2 > 0.0 {
                    ((px * ex + py * ey) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (px - ex * t).hypot(py - ey * t) - r
            }
            Sdf::Poly(pts) => poly_distance(pts, p),
            Sdf::Round(s, r) => s.eval(p) - r,
            Sdf::Onion(s, t) => s.eval(p).abs() - t,
            Sdf::Union(list) => list.iter().map(|s| s.eval(p)).fold(f32::MAX, f32::min),
            Sdf::Inter(a, b) => a.eval(p).max(b.eval(p)),
            Sdf::Sub(a, b) => a.eval(p).max(-b.eval(p)),
        }
    }

    /// Axis-aligned bounds (min, max): only pixels inside are evaluated.
    fn bounds(&self) -> (V2, V2) {
        match self {
            Sdf::RBox { c, h, .. } => (v(c.x - h.x, c.y - h.y), v(c.x + h.x, c.y + h.y)),
            Sdf::Ellipse { c, r } => (v(c.x - r.x, c.y - r.y), v(c.x + r.x, c.y + r.y)),
            Sdf::Seg { a, b, r } => (
                v(a.x.min(b.x) - r, a.y.min(b.y) - r),
                v(a.x.max(b.x) + r, a.y.max(b.y) + r),
            ),
            Sdf::Poly(pts) => pts.iter().fold(
                (v(f32::MAX, f32::MAX), v(f32::MIN, f32::MIN)),
                |(lo, hi), p| {
                    (
                        v(lo.x.min(p.x), lo.y.min(p.y)),
                        v(hi.x.max(p.x), hi.y.max(p.y)),
                    )
                },
            ),
            Sdf::Round(s, r) | Sdf::Onion(s, r) => {
                let (lo, hi) = s.bounds();
                (v(lo.x - r, lo.y - r), v(hi.x + r, hi.y + r))
            }
            Sdf::Union(list) => list.iter().map(Sdf::bounds).fold(
                (v(f32::MAX, f32::MAX), v(f32::MIN, f32::MIN)),
                |(lo, hi), (a, b)| {
                    (
                        v(lo.x.min(a.x), lo.y.min(a.y)),
                        v(hi.x.max(b.x), hi.y.max(b.y)),
                    )
                },
            ),
            Sdf::Inter(a, b) => {
                let ((alo, ahi), (blo, bhi)) = (a.bounds(), b.bounds());
                (
                    v(alo.x.max(blo.x), alo.y.max(blo.y)),
                    v(ahi.x.min(bhi.x), ahi.y.min(bhi.y)),
                )
            }
            Sdf::Sub(a, _) => a.bounds(),
        }
    }
}

/// Exact polygon distance (Inigo Quilez), sign from the even-odd crossing rule.
fn poly_distance(pts: &[V2], p: V2) -> f32 {
    let n = pts.len();
    if n < 3 {
        return f32::MAX;
    }
    let mut d = (p.x - pts[0].x).powi(2) + (p.y - pts[0].y).powi(2);
    let mut s = 1.0;
    let mut j = n - 1;
    for i in 0..n {
        let (vi, vj) = (pts[i], pts[j]);
        let (ex, ey) = (vj.x - vi.x, vj.y - vi.y);
        let (wx, wy) = (p.x - vi.x, p.y - vi.y);
        let t = ((wx * ex + wy * ey) / (ex * ex + ey * ey).max(1e-12)).clamp(0.0, 1.0);
        let (bx, by) = (wx - ex * t, wy - ey * t);
        d = d.min(bx * bx + by * by);
        let c1 = p.y >= vi.y;
        let c2 = p.y < vj.y;
        let c3 = ex * wy > ey * wx;
        if (c1 && c2 && c3) || (!c1 && !c2 && !c3) {
            s = -s;
        }
        j = i;
    }
    s * d.sqrt()
}

// ---------------------------------------------------------------------------------------
// Scene and rendering

/// Local → scene transform of a group of layers (used to place motifs on the banner shelf).
#[derive(Clone, Copy)]
struct Xf {
    off: V2,
    s: f32,
}

const IDENTITY: Xf = Xf {
    off: V2::new(0.0, 0.0),
    s: 1.0,
};

/// Shading for one layer: local point and local signed distance → colour.
type Shader = Box<dyn Fn(V2, f32) -> Rgbf>;

#[derive(Clone, Copy, PartialEq)]
enum Blend {
    Over,
    /// Shadows darken what is below instead of painting grey over it.
    Multiply,
}

struct Layer {
    sdf: Sdf,
    xf: Xf,
    shade: Shader,
    alpha: f32,
    /// Soft edge half-width in scene units; 0 = crisp, anti-aliased edge.
    blur: f32,
    blend: Blend,
}

struct Scene {
    layers: Vec<Layer>,
    xf: Xf,
}

impl Scene {
    fn new() -> Scene {
        Scene {
            layers: Vec::new(),
            xf: IDENTITY,
        }
    }

    fn fill(&mut self, sdf: Sdf, shade: impl Fn(V2, f32) -> Rgbf + 'static) {
        self.push(sdf, 1.0, 0.0, Blend::Over, Box::new(shade));
    }

    fn flat(&mut self, sdf: Sdf, c: Rgbf) {
        self.push(sdf, 1.0, 0.0, Blend::Over, Box::new(move |_, _| c));
    }

    fn tint(&mut self, sdf: Sdf, c: Rgbf, alpha: f32, blur: f32) {
        self.push(sdf, alpha, blur, Blend::Over, Box::new(move |_, _| c));
    }

    /// A soft shadow: `blur` is in local units like the shape.
    fn shadow(&mut self, sdf: Sdf, alpha: f32, blur: f32) {
        let tint = [0.42, 0.38, 0.36];
        self.push(
            sdf,
            alpha,
            blur,
            Blend::Multiply,
            Box::new(move |_, _| tint),
        );
    }

    fn push(&mut self, sdf: Sdf, alpha: f32, blur: f32, blend: Blend, shade: Shader) {
        self.layers.push(Layer {
            sdf,
            xf: self.xf,
            shade,
            alpha,
            blur: blur * self.xf.s,
            blend,
        });
    }
}

/// Pixel ↔ scene mapping. Scene units: the shorter canvas side is 1, origin at the centre,
/// y down; a 4:5 photo spans x ∈ [-0.5, 0.5], y ∈ [-0.625, 0.625].
struct Cam {
    w: u32,
    h: u32,
    unit: f32,
    zoom: f32,
    pan: V2,
    cos: f32,
    sin: f32,
}

impl Cam {
    fn to_scene(&self, px: f32, py: f32) -> V2 {
        let x = (px - self.w as f32 * 0.5) / self.unit;
        let y = (py - self.h as f32 * 0.5) / self.unit;
        v(
            (x * self.cos - y * self.sin) / self.zoom + self.pan.x,
            (x * self.sin + y * self.cos) / self.zoom + self.pan.y,
        )
    }

    fn to_pixel(&self, p: V2) -> (f32, f32) {
        let (qx, qy) = (
            (p.x - self.pan.x) * self.zoom,
            (p.y - self.pan.y) * self.zoom,
        );
        let (x, y) = (
            qx * self.cos + qy * self.sin,
            -qx * self.sin + qy * self.cos,
        );
        (
            x * self.unit + self.w as f32 * 0.5,
            y * self.unit + self.h as f32 * 0.5,
        )
    }
}

enum Backdrop {
    /// Seamless paper sweep: wall fading into floor at `horizon`.
    Studio { tone: Rgbf, horizon: f32 },
    /// Paper seen from above, for flat-lays.
    Flat { tone: Rgbf },
    /// Plain wall, for hanging garments.
    Wall { tone: Rgbf },
    /// Banner 0: saffron silk folds on the right, calm cream on the left.
    Silk,
    /// Banner 1: wall with a soft window light and a wooden shelf.
    Shelf,
}

impl Backdrop {
    /// `p` in scene units, (u, v) in 0..1 screen units.
    fn eval(&self, p: V2, u: f32, vv: f32) -> Rgbf {
        let vignette = 1.0 - 0.22 * ((u - 0.48).powi(2) + (vv - 0.42).powi(2) * 0.8);
        match self {
            Backdrop::Studio { tone, horizon } => {
                let wall = mul(*tone, 1.03 - 0.09 * vv + 0.04 * (0.5 - u));
                let floor = mul(*tone, 0.985 + 0.03 * (p.y - horizon).clamp(0.0, 0.5));
                let t = smoothstep(horizon - 0.16, horizon + 0.12, p.y);
                // The paper's curve catches a little less light than wall and floor.
                let curve = 1.0 - 0.035 * (-((p.y - horizon) / 0.09).powi(2)).exp();
                mul(mix(wall, floor, t), curve * vignette)
            }
            Backdrop::Flat { tone } | Backdrop::Wall { tone } => {
                let light = 1.04 - 0.07 * (u * 0.6 + vv);
                mul(*tone, light * vignette)
            }
            Backdrop::Silk => silk(p, u, vv),
            Backdrop::Shelf => shelf_wall(p, u, vv),
        }
    }
}

fn render_scaled(
    w: u32,
    h: u32,
    zoom: f32,
    pan: V2,
    rot: f32,
    bg: &Backdrop,
    layers: &[Layer],
) -> RgbImage {
    let (w, h) = (w.max(1), h.max(1));
    let scale = (MAX_RENDER_PIXELS / (w as f32 * h as f32)).sqrt().min(1.0);
    let rw = ((w as f32 * scale).round() as u32).max(1);
    let rh = ((h as f32 * scale).round() as u32).max(1);
    let cam = Cam {
        w: rw,
        h: rh,
        unit: rw.min(rh) as f32,
        zoom,
        pan,
        cos: rot.cos(),
        sin: rot.sin(),
    };
    let buf = render(&cam, bg, layers);
    // Conversion and upscaling go through `DynamicImage` methods, which run inside the
    // (optimised) `image` crate rather than as unoptimised code in this one; the bilinear
    // upscale of `thumbnail_exact` is several times cheaper than a CatmullRom resize.
    let flat = buf.as_flattened().to_vec();
    let img = match image::Rgb32FImage::from_raw(rw, rh, flat) {
        Some(f) => image::DynamicImage::ImageRgb32F(f).into_rgb8(),
        None => RgbImage::new(rw, rh),
    };
    if (rw, rh) == (w, h) {
        img
    } else {
        image::DynamicImage::ImageRgb8(img)
            .thumbnail_exact(w, h)
            .into_rgb8()
    }
}

fn render(cam: &Cam, bg: &Backdrop, layers: &[Layer]) -> Vec<Rgbf> {
    let (w, h) = (cam.w as usize, cam.h as usize);
    let mut buf = Vec::with_capacity(w * h);
    for py in 0..h {
        for px in 0..w {
            let p = cam.to_scene(px as f32 + 0.5, py as f32 + 0.5);
            let c = bg.eval(
                p,
                (px as f32 + 0.5) / w as f32,
                (py as f32 + 0.5) / h as f32,
            );
            // A little grain: reads as paper and hides banding in the long gradients.
            buf.push(add(c, (hash(px as u32, py as u32) - 0.5) * 0.012));
        }
    }
    let pix = 1.0 / (cam.unit * cam.zoom);
    for l in layers {
        let (lo, hi) = l.sdf.bounds();
        let m = l.blur + 2.0 * pix;
        let (lo, hi) = (
            v(
                lo.x * l.xf.s + l.xf.off.x - m,
                lo.y * l.xf.s + l.xf.off.y - m,
            ),
            v(
                hi.x * l.xf.s + l.xf.off.x + m,
                hi.y * l.xf.s + l.xf.off.y + m,
            ),
        );
        if lo.x > hi.x || lo.y > hi.y {
            continue;
        }
        // Pixel box of the four corners (the camera may be rotated).
        let corners = [lo, v(hi.x, lo.y), v(lo.x, hi.y), hi].map(|c| cam.to_pixel(c));
        let x0 = corners
            .iter()
            .map(|c| c.0)
            .fold(f32::MAX, f32::min)
            .floor()
            .max(0.0) as usize;
        let y0 = corners
            .iter()
            .map(|c| c.1)
            .fold(f32::MAX, f32::min)
            .floor()
            .max(0.0) as usize;
        let x1 = (corners
            .iter()
            .map(|c| c.0)
            .fold(f32::MIN, f32::max)
            .ceil()
            .max(0.0) as usize)
            .min(w);
        let y1 = (corners
            .iter()
            .map(|c| c.1)
            .fold(f32::MIN, f32::max)
            .ceil()
            .max(0.0) as usize)
            .min(h);
        let inv_s = 1.0 / l.xf.s;
        let dist = |px: f32, py: f32| {
            let p = cam.to_scene(px, py);
            let lp = v((p.x - l.xf.off.x) * inv_s, (p.y - l.xf.off.y) * inv_s);
            (lp, l.sdf.eval(lp) * l.xf.s)
        };
        // Distances at the corners of TILE×TILE pixel tiles. SDFs change by at most one unit
        // per unit moved, so a tile whose corners are all far outside is skipped, and one
        // far inside is fully covered and uses interpolated distances for its shading: only
        // tiles on an edge pay for an exact distance per pixel.
        let (tx, ty) = ((x1 - x0).div_ceil(TILE), (y1 - y0).div_ceil(TILE));
        let mut corners = Vec::with_capacity((tx + 1) * (ty + 1));
        for j in 0..=ty {
            for i in 0..=tx {
                corners.push(dist((x0 + i * TILE) as f32, (y0 + j * TILE) as f32).1);
            }
        }
        let edge = l.blur.max(pix);
        let reach = TILE as f32 * pix * 1.5;
        for j in 0..ty {
            for i in 0..tx {
                let c = [
                    corners[j * (tx + 1) + i],
                    corners[j * (tx + 1) + i + 1],
                    corners[(j + 1) * (tx + 1) + i],
                    corners[(j + 1) * (tx + 1) + i + 1],
                ];
                let (lo_d, hi_d) = (
                    c.iter().fold(f32::MAX, |a, b| a.min(*b)),
                    c.iter().fold(f32::MIN, |a, b| a.max(*b)),
                );
                if lo_d - reach > edge {
                    continue;
                }
                let inside = hi_d + reach < -edge;
                let (px0, py0) = (x0 + i * TILE, y0 + j * TILE);
                for py in py0..(py0 + TILE).min(y1) {
                    for px in px0..(px0 + TILE).min(x1) {
                        let (lp, d) = if inside {
                            let fx = (px - px0) as f32 / TILE as f32;
                            let fy = (py - py0) as f32 / TILE as f32;
                            let top = c[0] + (c[1] - c[0]) * fx;
                            let bottom = c[2] + (c[3] - c[2]) * fx;
                            let p = cam.to_scene(px as f32 + 0.5, py as f32 + 0.5);
                            (
                                v((p.x - l.xf.off.x) * inv_s, (p.y - l.xf.off.y) * inv_s),
                                top + (bottom - top) * fy,
                            )
                        } else {
                            dist(px as f32 + 0.5, py as f32 + 0.5)
                        };
                        let cov = if inside {
                            1.0
                        } else if l.blur > 0.0 {
                            1.0 - smoothstep(-l.blur, l.blur, d)
                        } else {
                            (0.5 - d / pix).clamp(0.0, 1.0)
                        };
                        if cov <= 0.0 {
                            continue;
                        }
                        let a = cov * l.alpha;
                        let col = (l.shade)(lp, d * inv_s);
                        let dst = &mut buf[py * w + px];
                        for k in 0..3 {
                            dst[k] = match l.blend {
                                Blend::Over => dst[k] + (col[k] - dst[k]) * a,
                                Blend::Multiply => dst[k] * (1.0 + (col[k] - 1.0) * a),
                            };
                        }
                    }
                }
            }
        }
    }
    buf
}

// ---------------------------------------------------------------------------------------
// Colour and shading helpers

fn hash(x: u32, y: u32) -> f32 {
    let mut h = x.wrapping_mul(0x8da6_b343) ^ y.wrapping_mul(0xd816_3841) ^ 0x9e37_79b9;
    h ^= h >> 15;
    h = h.wrapping_mul(0x2c1b_3c6d);
    h ^= h >> 12;
    h = h.wrapping_mul(0x297a_2d39);
    h ^= h >> 15;
    (h & 0xffff) as f32 / 65536.0
}

/// Value noise cell hash for a scene point at `freq` cells per unit.
fn grain(p: V2, freq: f32) -> f32 {
    hash(
        (p.x * freq + 10_000.0) as u32,
        (p.y * freq + 10_000.0) as u32,
    )
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn mul(c: Rgbf, k: f32) -> Rgbf {
    [c[0] * k, c[1] * k, c[2] * k]
}

fn mix(a: Rgbf, b: Rgbf, t: f32) -> Rgbf {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn add(c: Rgbf, k: f32) -> Rgbf {
    [c[0] + k, c[1] + k, c[2] + k]
}

fn lum(c: Rgbf) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

/// A neutral paper tone, nudged towards the product colour so photo and object belong
/// together; very light products get a slightly deeper paper for contrast.
fn backdrop_tone(c: Rgbf, pick: u32) -> Rgbf {
    const NEUTRALS: [Rgbf; 5] = [
        [0.93, 0.90, 0.85],
        [0.90, 0.86, 0.80],
        [0.88, 0.88, 0.85],
        [0.93, 0.88, 0.85],
        [0.87, 0.89, 0.85],
    ];
    let base = NEUTRALS[(pick % 5) as usize];
    let t = mix(base, c, 0.10);
    if lum(c) > 0.72 { mul(t, 0.9) } else { t }
}

/// Shading across a vertical cylinder: `u` is -1 (left edge) … 1 (right edge); light from
/// the front left, a soft specular strip and a faint rim on the right.
fn cyl(c: Rgbf, u: f32, gloss: f32) -> Rgbf {
    let u = u.clamp(-1.0, 1.0);
    let nz = (1.0 - u * u).sqrt();
    let diffuse = (-0.5 * u + 0.87 * nz).max(0.0);
    let shade = 0.52 + 0.55 * diffuse;
    let spec = gloss * (-((u + 0.45) / 0.1).powi(2)).exp()
        + gloss * 0.3 * (-((u - 0.62) / 0.05).powi(2)).exp();
    let rim = 0.05 * (-((u - 0.93) / 0.05).powi(2)).exp();
    add(mul(c, shade), spec + rim)
}

/// Cloth: light from the top left, soft wrinkles, slightly darker where it turns at the
/// edge, plus a faint weave grain.
fn fabric(c: Rgbf, p: V2, d: f32, seed: f32) -> Rgbf {
    let light = 1.02 - 0.12 * (p.x * 0.6 + p.y);
    let wrinkle =
        0.035 * (p.x * 7.0 + p.y * 3.0 + seed).sin() * (p.y * 5.0 - p.x * 2.0 + seed * 2.0).sin()
            + 0.015 * (p.x * 23.0 - p.y * 11.0 + seed).sin();
    let edge = 1.0 - 0.22 * (d / 0.02).exp().min(1.0);
    let weave = 0.02 * (grain(p, 700.0) - 0.5);
    mul(c, light * (1.0 + wrinkle + weave) * edge)
}

/// Text on a label, as rows of short bars: reads as print at catalogue sizes.
fn text_lines(
    s: &mut Scene,
    cx: f32,
    y: f32,
    widths: &[f32],
    line_h: f32,
    ink: Rgbf,
    u_of: fn(f32) -> f32,
) {
    for (i, w) in widths.iter().enumerate() {
        let cy = y + i as f32 * line_h * 2.2;
        let th = if i == 0 { line_h } else { line_h * 0.55 };
        s.fill(rbox(cx, cy, *w, th, th * 0.5), move |p, _| {
            cyl(ink, u_of(p.x), 0.0)
        });
    }
}

/// Contact shadow and a soft cast shadow to the right (light comes from the left).
fn floor_shadow(s: &mut Scene, cx: f32, hw: f32) {
    s.shadow(
        ell(cx + hw * 0.45, FLOOR - 0.01, hw * 1.45, 0.05),
        0.22,
        0.06,
    );
    s.shadow(ell(cx + hw * 0.08, FLOOR, hw * 1.02, 0.02), 0.55, 0.016);
}

fn cream() -> Rgbf {
    [0.95, 0.93, 0.88]
}

fn kraft() -> Rgbf {
    [0.76, 0.62, 0.46]
}

fn ink_for(c: Rgbf) -> Rgbf {
    if lum(c) > 0.55 {
        [0.22, 0.2, 0.19]
    } else {
        [0.96, 0.94, 0.9]
    }
}

fn gold() -> Rgbf {
    [0.80, 0.66, 0.42]
}

// ---------------------------------------------------------------------------------------
// Motifs. Local coordinates as in a 4:5 photo; standing objects rest on y = FLOOR.

fn build(motif: Motif, s: &mut Scene, c: Rgbf, variant: u32) {
    match motif {
        Motif::Tee => tee(s, c),
        Motif::Shirt => shirt(s, c),
        Motif::Dress => dress(s, c),
        Motif::Scarf => scarf(s, c, variant),
        Motif::Tote => tote(s, c),
        Motif::Bottle => bottle(s, c),
        Motif::Dropper => dropper(s, c),
        Motif::Jar => jar(s, c),
        Motif::Tube => tube(s, c),
        Motif::Soap => soap(s, c),
        Motif::Candle => candle(s, c),
        Motif::TeaTin => tea_tin(s, c),
        Motif::SpiceJar => spice_jar(s, c),
        Motif::Mug => mug(s, c),
        Motif::Cushion => cushion(s, c),
    }
}

const TEE: [(f32, f32); 7] = [
    (0.085, -0.37),
    (0.19, -0.34),
    (0.245, -0.317),
    (0.40, -0.165),
    (0.322, -0.075),
    (0.245, -0.14),
    (0.25, 0.37),
];

fn tee(s: &mut Scene, c: Rgbf) {
    let body = || mirrored(&TEE).round(0.012);
    s.shadow(body(), 0.35, 0.022);
    s.fill(body(), move |p, d| fabric(c, p, d, 1.0));
    // Inside of the back, seen through the neckline.
    s.fill(ell(0.0, -0.372, 0.085, 0.058).and(body()), move |p, _| {
        mul(c, 0.62 + 0.4 * (p.y + 0.372) / 0.058)
    });
    // Ribbed collar.
    s.fill(
        ell(0.0, -0.372, 0.085, 0.058).onion(0.009).and(body()),
        move |p, _| mul(c, 0.9 + 0.05 * (p.x * 600.0).sin()),
    );
    let stitch = mul(c, 0.78);
    for side in [-1.0f32, 1.0] {
        s.tint(
            seg(0.385 * side, -0.18, 0.305 * side, -0.087, 0.0022),
            stitch,
            0.7,
            0.0,
        );
    }
    s.tint(seg(-0.245, 0.345, 0.245, 0.345, 0.0022), stitch, 0.7, 0.0);
}

fn shirt(s: &mut Scene, c: Rgbf) {
    let mut right: Vec<(f32, f32)> = vec![
        (0.09, -0.385),
        (0.2, -0.35),
        (0.255, -0.33),
        (0.41, -0.17),
        (0.33, -0.08),
        (0.255, -0.15),
        (0.26, 0.33),
    ];
    // Curved shirt-tail hem.
    for i in 1..=8 {
        let x = 0.26 * (1.0 - i as f32 / 8.0);
        right.push((x, 0.33 + 0.08 * (1.0 - (x / 0.26).powi(2))));
    }
    right.pop();
    let body = move || mirrored(&right).round(0.01);
    s.shadow(body(), 0.35, 0.022);
    s.fill(body(), move |p, d| fabric(c, p, d, 2.0));
    s.fill(ell(0.0, -0.38, 0.09, 0.05).and(body()), move |_, _| {
        mul(c, 0.66)
    });
    let stitch = mul(c, 0.76);
    // Placket with buttons.
    for x in [-0.02f32, 0.02] {
        s.tint(seg(x, -0.3, x, 0.39, 0.0018), stitch, 0.8, 0.0);
    }
    let button = mix(cream(), c, 0.15);
    for i in 0..6 {
        let y = -0.25 + i as f32 * 0.11;
        s.shadow(ell(0.002, y + 0.003, 0.011, 0.011), 0.5, 0.004);
        s.fill(ell(0.0, y, 0.0105, 0.0105), move |p, _| {
            mul(
                button,
                1.0 - 0.5 * (p.x + p.y - y).clamp(-0.01, 0.01) * 10.0,
            )
        });
    }
    // Chest pocket.
    s.tint(
        rbox(0.135, -0.17, 0.055, 0.062, 0.006).onion(0.0016),
        stitch,
        0.8,
        0.0,
    );
    s.tint(seg(0.08, -0.215, 0.19, -0.215, 0.0016), stitch, 0.8, 0.0);
    // Collar wings with their own shadow.
    let wing = |sx: f32| {
        Sdf::Poly(
            [
                (0.004, -0.3),
                (0.0, -0.36),
                (0.095, -0.395),
                (0.13, -0.365),
                (0.108, -0.27),
            ]
            .iter()
            .map(|&(x, y)| v(x * sx, y))
            .collect(),
        )
        .round(0.006)
    };
    for sx in [1.0f32, -1.0] {
        s.shadow(wing(sx), 0.45, 0.01);
        s.fill(wing(sx), move |p, d| fabric(mul(c, 1.04), p, d, 3.0));
        s.tint(wing(sx).onion(0.0).round(0.0012), stitch, 0.0, 0.0);
    }
    for sx in [-1.0f32, 1.0] {
        s.tint(
            seg(0.395 * sx, -0.185, 0.315 * sx, -0.092, 0.0018),
            stitch,
            0.8,
            0.0,
        );
    }
}

fn dress(s: &mut Scene, c: Rgbf) {
    let mut right: Vec<(f32, f32)> = vec![
        (0.0, -0.235),
        (0.06, -0.37),
        (0.115, -0.362),
        (0.118, -0.31),
        (0.13, -0.25),
        (0.155, -0.215),
        (0.125, -0.085),
    ];
    // Wavy hem: the folds of the skirt end in gentle scallops.
    for i in 0..=10 {
        let x = 0.33 * (1.0 - i as f32 / 10.0);
        right.push((x, 0.44 + 0.012 * (x * 45.0).cos()));
    }
    right.pop();
    let body = move || mirrored(&right).round(0.004);
    // Hanger and hook first: the straps hang over the bar.
    let wood = [0.62, 0.45, 0.3];
    let metal = [0.72, 0.70, 0.66];
    s.shadow(seg(0.0, -0.43, 0.0, -0.38, 0.004), 0.3, 0.01);
    s.fill(
        ell(0.0, -0.46, 0.03, 0.034)
            .onion(0.004)
            .minus(rbox(-0.03, -0.43, 0.03, 0.03, 0.0)),
        move |_, _| metal,
    );
    s.flat(seg(0.0, -0.428, 0.0, -0.385, 0.0042), metal);
    let bar = || {
        Sdf::Union(vec![
            seg(-0.23, -0.335, 0.0, -0.385, 0.013),
            seg(0.0, -0.385, 0.23, -0.335, 0.013),
        ])
    };
    s.shadow(bar(), 0.3, 0.02);
    s.fill(bar(), move |p, d| {
        mul(
            wood,
            1.0 + 0.06 * (p.x * 90.0).sin() - 0.25 * (d / 0.006).exp().min(1.0),
        )
    });
    // Soft shadow on the wall, then the dress.
    s.xf = Xf {
        off: v(0.035, 0.025),
        s: 1.0,
    };
    s.shadow(body(), 0.28, 0.04);
    s.xf = IDENTITY;
    s.fill(body(), move |p, d| {
        let folds = if p.y > -0.085 {
            let spread = (p.x / (p.y + 0.33)).clamp(-2.0, 2.0);
            0.1 * (spread * 22.0).sin() * smoothstep(-0.085, 0.3, p.y)
        } else {
            0.0
        };
        mul(fabric(c, p, d, 4.0), 1.0 + folds)
    });
    // Waist band and a tie.
    let band = || rbox(0.0, -0.085, 0.14, 0.016, 0.0).and(body());
    s.fill(band(), move |p, d| fabric(mul(c, 0.86), p, d, 5.0));
    s.shadow(seg(0.03, -0.075, 0.055, 0.07, 0.008), 0.35, 0.01);
    s.fill(seg(0.025, -0.08, 0.05, 0.065, 0.0075), move |p, d| {
        fabric(mul(c, 0.9), p, d, 6.0)
    });
    s.fill(seg(0.025, -0.08, 0.0, 0.08, 0.0075), move |p, d| {
        fabric(mul(c, 0.95), p, d, 7.0)
    });
    s.fill(ell(0.025, -0.083, 0.014, 0.011), move |p, d| {
        fabric(mul(c, 0.88), p, d, 8.0)
    });
}

fn scarf(s: &mut Scene, c: Rgbf, variant: u32) {
    let main = || rbox(0.0, -0.02, 0.25, 0.35, 0.012);
    let second = mix(c, cream(), 0.55);
    let plaid = move |p: V2, d: f32| {
        let band = |t: f32| {
            smoothstep(0.35, 0.4, (t * 9.0).rem_euclid(1.0))
                * (1.0 - smoothstep(0.62, 0.67, (t * 9.0).rem_euclid(1.0)))
        };
        let fine = |t: f32| {
            let f = (t * 9.0 + 0.5).rem_euclid(1.0);
            smoothstep(0.46, 0.48, f) * (1.0 - smoothstep(0.52, 0.54, f))
        };
        let k = 0.5 * band(p.x) + 0.5 * band(p.y);
        let mut col = mix(c, mul(c, 0.7), k);
        col = mix(col, second, 0.7 * fine(p.x).max(fine(p.y)));
        fabric(col, p, d, 9.0)
    };
    // The folded layer underneath shows as a thin offset edge.
    s.shadow(rbox(0.012, 0.0, 0.25, 0.35, 0.012), 0.4, 0.02);
    s.fill(rbox(0.012, -0.005, 0.25, 0.35, 0.012), move |p, d| {
        mul(plaid(p, d), 0.85)
    });
    s.fill(main(), plaid);
    // The fold across the middle.
    s.tint(
        seg(-0.25, 0.06, 0.25, 0.06, 0.004),
        mul(c, 0.6),
        0.35,
        0.012,
    );
    s.tint(
        seg(-0.25, 0.075, 0.25, 0.075, 0.004),
        add(c, 0.15),
        0.2,
        0.01,
    );
    // Fringe along the bottom edge.
    let fringe = mul(c, 0.95);
    let n = 34;
    for i in 0..n {
        let x = -0.24 + 0.48 * i as f32 / (n - 1) as f32;
        let jitter = (hash(i, variant) - 0.5) * 0.02;
        let len = 0.06 + hash(i, 7) * 0.02;
        s.shadow(
            seg(
                x + 0.004,
                0.33,
                x + jitter + 0.004,
                0.33 + len + 0.004,
                0.003,
            ),
            0.35,
            0.004,
        );
        s.fill(seg(x, 0.33, x + jitter, 0.33 + len, 0.0032), move |p, _| {
            mul(fringe, 0.9 - 0.12 * ((p.x - x) / 0.0032).clamp(-1.0, 1.0))
        });
    }
}

fn tote(s: &mut Scene, c: Rgbf) {
    let body = || {
        Sdf::Poly(vec![
            v(-0.235, -0.12),
            v(0.235, -0.12),
            v(0.27, 0.3),
            v(-0.27, 0.3),
        ])
        .round(0.008)
    };
    let handle = |cx: f32, ry: f32| {
        ell(cx, -0.115, 0.115, ry)
            .onion(0.014)
            .and(rbox(cx, -0.3, 0.3, 0.185, 0.0))
    };
    floor_shadow(s, 0.0, 0.27);
    s.fill(handle(0.012, 0.25), move |p, d| {
        fabric(mul(c, 0.72), p, d, 10.0)
    });
    s.fill(body(), move |p, d| {
        let crease = 0.05 * (p.x * 17.0 + 0.7 * (p.y * 6.0).sin()).sin();
        mul(fabric(c, p, d, 11.0), 1.0 + crease)
    });
    s.shadow(
        handle(0.0, 0.27).and(rbox(0.0, -0.2, 0.3, 0.08, 0.0)),
        0.35,
        0.01,
    );
    s.fill(handle(0.0, 0.27), move |p, d| {
        fabric(mul(c, 0.95), p, d, 12.0)
    });
    let stitch = mul(c, 0.72);
    s.tint(seg(-0.235, -0.085, 0.235, -0.085, 0.0018), stitch, 0.8, 0.0);
    for x in [-0.115f32, 0.115] {
        s.tint(
            rbox(x, -0.1, 0.018, 0.016, 0.0).onion(0.0015),
            stitch,
            0.8,
            0.0,
        );
    }
    // Printed logo: a ring and two lines of type.
    let print = ink_for(c);
    s.tint(ell(0.0, 0.07, 0.055, 0.055).onion(0.004), print, 0.85, 0.0);
    s.tint(ell(0.0, 0.07, 0.02, 0.02), print, 0.85, 0.0);
    s.tint(rbox(0.0, 0.165, 0.085, 0.008, 0.004), print, 0.85, 0.0);
    s.tint(rbox(0.0, 0.19, 0.05, 0.0045, 0.002), print, 0.7, 0.0);
}

fn bottle(s: &mut Scene, c: Rgbf) {
    let cap = if lum(c) > 0.5 {
        [0.2, 0.19, 0.18]
    } else {
        cream()
    };
    floor_shadow(s, 0.0, 0.13);
    s.fill(rbox(0.0, 0.08, 0.13, 0.22, 0.055), move |p, _| {
        mul(cyl(c, p.x / 0.13, 0.35), 1.0 - 0.08 * ((p.y + 0.14) / 0.44))
    });
    s.fill(rbox(0.0, -0.165, 0.05, 0.035, 0.008), move |p, _| {
        cyl(cap, p.x / 0.05, 0.25)
    });
    s.fill(rbox(0.0, -0.215, 0.02, 0.02, 0.0), move |p, _| {
        cyl(cap, p.x / 0.02, 0.2)
    });
    s.fill(rbox(0.025, -0.245, 0.07, 0.014, 0.009), move |p, _| {
        mul(cap, 1.05 - 0.3 * ((p.y + 0.259) / 0.028))
    });
    // Label, wrapped around the body.
    s.fill(rbox(0.0, 0.1, 0.1, 0.1, 0.004), move |p, _| {
        cyl(cream(), p.x / 0.13, 0.12)
    });
    text_lines(
        s,
        0.0,
        0.045,
        &[0.055, 0.04, 0.03],
        0.009,
        [0.25, 0.23, 0.22],
        |x| x / 0.13,
    );
    s.tint(ell(0.0, 0.155, 0.012, 0.012).onion(0.002), c, 0.9, 0.0);
}

fn dropper(s: &mut Scene, c: Rgbf) {
    floor_shadow(s, 0.0, 0.1);
    s.fill(rbox(0.0, 0.16, 0.1, 0.14, 0.03), move |p, _| {
        let glass = cyl(c, p.x / 0.1, 0.55);
        // The liquid line inside the glass.
        let k = if p.y < 0.07 { 1.12 } else { 1.0 };
        mul(glass, k)
    });
    s.fill(rbox(0.0, 0.015, 0.045, 0.02, 0.006), move |p, _| {
        cyl(c, p.x / 0.045, 0.4)
    });
    let black = [0.16, 0.15, 0.15];
    s.fill(rbox(0.0, -0.035, 0.05, 0.04, 0.006), move |p, _| {
        mul(
            cyl(black, p.x / 0.05, 0.25),
            1.0 + 0.1 * (p.y * 300.0).sin(),
        )
    });
    s.fill(
        Sdf::Union(vec![
            seg(0.0, -0.09, 0.0, -0.14, 0.032),
            rbox(0.0, -0.08, 0.032, 0.01, 0.0),
        ]),
        move |p, _| cyl(black, p.x / 0.032, 0.35),
    );
    s.fill(rbox(0.0, 0.18, 0.075, 0.075, 0.004), move |p, _| {
        cyl(cream(), p.x / 0.1, 0.1)
    });
    text_lines(
        s,
        0.0,
        0.145,
        &[0.045, 0.03, 0.022],
        0.008,
        [0.25, 0.23, 0.22],
        |x| x / 0.1,
    );
}

fn jar(s: &mut Scene, c: Rgbf) {
    let lid = if lum(c) > 0.6 { gold() } else { cream() };
    floor_shadow(s, 0.0, 0.19);
    s.fill(rbox(0.0, 0.215, 0.19, 0.085, 0.03), move |p, _| {
        mul(cyl(c, p.x / 0.19, 0.3), 1.0 - 0.08 * ((p.y - 0.13) / 0.17))
    });
    s.shadow(rbox(0.0, 0.14, 0.19, 0.012, 0.0), 0.4, 0.01);
    s.fill(rbox(0.0, 0.09, 0.196, 0.048, 0.014), move |p, _| {
        let ridge = 1.0 + 0.05 * (p.x / 0.196 * 60.0).sin() * (1.0 - (p.x / 0.196).abs());
        mul(cyl(lid, p.x / 0.196, 0.45), ridge)
    });
    let band = mix(cream(), c, 0.08);
    s.fill(rbox(0.0, 0.215, 0.12, 0.045, 0.004), move |p, _| {
        cyl(band, p.x / 0.19, 0.1)
    });
    text_lines(
        s,
        0.0,
        0.197,
        &[0.06, 0.04],
        0.008,
        [0.26, 0.24, 0.22],
        |x| x / 0.19,
    );
}

fn tube(s: &mut Scene, c: Rgbf) {
    let cap = if lum(c) > 0.55 { mul(c, 0.55) } else { cream() };
    floor_shadow(s, 0.0, 0.07);
    s.fill(rbox(0.0, 0.265, 0.062, 0.035, 0.008), move |p, _| {
        cyl(cap, p.x / 0.062, 0.3)
    });
    s.fill(
        Sdf::Poly(vec![
            v(-0.075, 0.232),
            v(-0.128, -0.3),
            v(0.128, -0.3),
            v(0.075, 0.232),
        ])
        .round(0.008),
        move |p, _| {
            let hw = 0.083 + (0.136 - 0.083) * ((0.232 - p.y) / 0.532);
            cyl(c, p.x / hw, 0.35)
        },
    );
    // Crimped end.
    s.fill(rbox(0.0, -0.305, 0.136, 0.02, 0.003), move |p, _| {
        mul(
            c,
            0.9 + 0.08 * (p.y * 900.0).sin() - 0.15 * (p.x / 0.136).abs(),
        )
    });
    let ink = ink_for(c);
    s.tint(rbox(0.0, -0.08, 0.07, 0.011, 0.004), ink, 0.9, 0.0);
    s.tint(rbox(0.0, -0.045, 0.05, 0.005, 0.002), ink, 0.8, 0.0);
    s.tint(rbox(0.0, -0.025, 0.04, 0.005, 0.002), ink, 0.8, 0.0);
    s.tint(rbox(0.0, 0.11, 0.045, 0.004, 0.002), ink, 0.6, 0.0);
}

fn soap(s: &mut Scene, c: Rgbf) {
    floor_shadow(s, 0.0, 0.24);
    let all = || {
        Sdf::Union(vec![
            rbox(0.0, 0.255, 0.235, 0.048, 0.045),
            rbox(0.0, 0.185, 0.235, 0.07, 0.06),
        ])
    };
    s.fill(rbox(0.0, 0.255, 0.235, 0.048, 0.045), move |p, _| {
        mul(cyl(c, p.x / 0.24, 0.1), 0.82)
    });
    s.fill(rbox(0.0, 0.185, 0.235, 0.07, 0.06), move |p, d| {
        let speck = 0.06 * (grain(p, 260.0) - 0.5);
        mul(
            c,
            1.02 - 0.15 * (p.x / 0.24) - 0.12 * (d / 0.03).exp().min(1.0) + speck,
        )
    });
    // Kraft band around the bar.
    s.shadow(rbox(-0.02, 0.2, 0.075, 0.2, 0.0).and(all()), 0.35, 0.008);
    s.fill(rbox(-0.03, 0.2, 0.075, 0.2, 0.0).and(all()), move |p, _| {
        let side = if p.y > 0.235 { 0.82 } else { 1.0 };
        mul(kraft(), side * (0.96 + 0.06 * (grain(p, 400.0) - 0.5)))
    });
    s.tint(
        ell(-0.03, 0.175, 0.035, 0.035).onion(0.0025),
        [0.3, 0.24, 0.18],
        0.8,
        0.0,
    );
    s.tint(
        rbox(-0.03, 0.175, 0.018, 0.004, 0.002),
        [0.3, 0.24, 0.18],
        0.8,
        0.0,
    );
}

fn candle(s: &mut Scene, c: Rgbf) {
    floor_shadow(s, 0.0, 0.16);
    // Warm glow of the flame on the wall behind.
    s.tint(ell(0.004, -0.06, 0.09, 0.12), [1.0, 0.9, 0.7], 0.25, 0.1);
    s.fill(rbox(0.0, 0.16, 0.16, 0.14, 0.022), move |p, _| {
        let speck = 0.04 * (grain(p, 300.0) - 0.5);
        mul(cyl(c, p.x / 0.16, 0.15), 1.0 + speck)
    });
    s.fill(ell(0.0, 0.022, 0.16, 0.034), move |p, _| {
        mul(c, 1.08 - 0.2 * (p.x / 0.16))
    });
    let wax = [0.95, 0.92, 0.84];
    s.fill(ell(0.0, 0.027, 0.143, 0.026), move |p, _| {
        mul(
            wax,
            0.82 + 0.16 * ((p.y - 0.001) / 0.052) - 0.05 * (p.x / 0.143),
        )
    });
    s.flat(seg(0.0, 0.028, 0.004, -0.012, 0.0035), [0.15, 0.13, 0.12]);
    s.tint(ell(0.004, -0.055, 0.018, 0.04), [1.0, 0.72, 0.3], 0.7, 0.01);
    s.fill(
        Sdf::Union(vec![
            ell(0.004, -0.048, 0.012, 0.022),
            seg(0.004, -0.05, 0.002, -0.09, 0.003),
        ])
        .round(0.002),
        move |p, _| {
            mix(
                [1.0, 0.97, 0.85],
                [1.0, 0.75, 0.35],
                ((-0.03 - p.y) / 0.06).clamp(0.0, 1.0),
            )
        },
    );
    s.fill(rbox(0.0, 0.17, 0.085, 0.06, 0.003), move |p, _| {
        cyl(kraft(), p.x / 0.16, 0.05)
    });
    text_lines(
        s,
        0.0,
        0.14,
        &[0.05, 0.035, 0.025],
        0.0075,
        [0.25, 0.2, 0.16],
        |x| x / 0.16,
    );
}

fn tea_tin(s: &mut Scene, c: Rgbf) {
    floor_shadow(s, 0.0, 0.14);
    s.fill(rbox(0.0, 0.125, 0.14, 0.175, 0.008), move |p, _| {
        cyl(c, p.x / 0.14, 0.35)
    });
    s.shadow(rbox(0.0, -0.025, 0.14, 0.01, 0.0), 0.5, 0.008);
    let lid = mix(c, gold(), 0.5);
    s.fill(rbox(0.0, -0.075, 0.147, 0.045, 0.008), move |p, _| {
        cyl(lid, p.x / 0.147, 0.5)
    });
    s.fill(ell(0.0, -0.118, 0.147, 0.016), move |p, _| {
        mul(lid, 1.05 - 0.15 * (p.x / 0.147))
    });
    // Label band with a small repeating pattern and an emblem.
    let paper = cream();
    s.fill(rbox(0.0, 0.135, 0.141, 0.075, 0.0), move |p, _| {
        let dots = ((p.x * 70.0).sin() * (p.y * 70.0).sin()).max(0.0).powi(8);
        cyl(mix(paper, c, 0.25 * dots), p.x / 0.14, 0.15)
    });
    s.fill(ell(0.0, 0.135, 0.05, 0.05), move |p, _| {
        cyl(c, p.x / 0.14, 0.1)
    });
    s.tint(
        ell(0.0, 0.135, 0.042, 0.042).onion(0.002),
        cream(),
        0.9,
        0.0,
    );
    s.tint(rbox(0.0, 0.135, 0.024, 0.006, 0.003), cream(), 0.9, 0.0);
}

fn spice_jar(s: &mut Scene, c: Rgbf) {
    floor_shadow(s, 0.0, 0.12);
    let glass = [0.86, 0.86, 0.83];
    s.fill(rbox(0.0, 0.17, 0.12, 0.13, 0.03), move |p, _| {
        cyl(glass, p.x / 0.12, 0.5)
    });
    s.fill(rbox(0.0, 0.19, 0.105, 0.1, 0.022), move |p, _| {
        let g = grain(p, 420.0) - 0.5;
        mul(cyl(c, p.x / 0.12, 0.0), 1.0 + 0.3 * g)
    });
    // Glass reflections over the contents.
    s.tint(
        rbox(-0.06, 0.17, 0.012, 0.11, 0.012),
        [1.0, 1.0, 1.0],
        0.35,
        0.006,
    );
    s.tint(
        rbox(0.085, 0.17, 0.004, 0.1, 0.004),
        [1.0, 1.0, 1.0],
        0.2,
        0.003,
    );
    let wood = [0.66, 0.5, 0.34];
    s.fill(rbox(0.0, 0.005, 0.125, 0.04, 0.01), move |p, _| {
        let rings = 1.0 + 0.07 * (p.y * 260.0 + (p.x * 30.0).sin() * 2.0).sin();
        mul(cyl(wood, p.x / 0.125, 0.15), rings)
    });
    s.fill(rbox(0.0, 0.2, 0.07, 0.045, 0.003), move |p, _| {
        cyl(cream(), p.x / 0.12, 0.08)
    });
    text_lines(
        s,
        0.0,
        0.18,
        &[0.045, 0.03],
        0.008,
        [0.25, 0.23, 0.22],
        |x| x / 0.12,
    );
}

fn mug(s: &mut Scene, c: Rgbf) {
    floor_shadow(s, -0.01, 0.17);
    let handle = || ell(0.15, 0.155, 0.07, 0.085).onion(0.017);
    s.fill(handle(), move |p, _| {
        mul(c, 0.95 - 0.3 * ((p.x - 0.15) / 0.09).clamp(0.0, 1.0))
    });
    let body = || {
        Sdf::Poly(vec![
            v(-0.16, 0.02),
            v(0.16, 0.02),
            v(0.145, 0.3),
            v(-0.145, 0.3),
        ])
        .round(0.012)
    };
    s.fill(body(), move |p, _| {
        let speck = if grain(p, 220.0) > 0.93 { 0.8 } else { 1.0 };
        mul(cyl(c, p.x / 0.165, 0.3), speck)
    });
    // Unglazed foot.
    let clay = [0.8, 0.7, 0.58];
    s.fill(
        rbox(0.0, 0.288, 0.15, 0.018, 0.0).and(body()),
        move |p, _| cyl(clay, p.x / 0.16, 0.0),
    );
    s.fill(ell(0.0, 0.02, 0.172, 0.036), move |p, _| {
        mul(c, 1.08 - 0.15 * (p.x / 0.17))
    });
    s.fill(ell(0.0, 0.022, 0.158, 0.029), move |p, _| {
        mul(
            c,
            0.55 + 0.35 * ((p.y + 0.007) / 0.058) + 0.1 * (p.x / 0.158),
        )
    });
}

fn cushion(s: &mut Scene, c: Rgbf) {
    // Square with pinched corners: each edge bows inwards.
    let (hw, top, bottom) = (0.31, -0.27, 0.3);
    let corners = [v(-hw, top), v(hw, top), v(hw, bottom), v(-hw, bottom)];
    let mut pts = Vec::new();
    for i in 0..4 {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        let (nx, ny) = (-(b.y - a.y), b.x - a.x);
        let len = nx.hypot(ny);
        for k in 0..12 {
            let t = k as f32 / 12.0;
            let bow = 0.035 * (std::f32::consts::PI * t).sin();
            pts.push(v(
                a.x + (b.x - a.x) * t + nx / len * bow,
                a.y + (b.y - a.y) * t + ny / len * bow,
            ));
        }
    }
    let shape = move || Sdf::Poly(pts.clone()).round(0.01);
    floor_shadow(s, 0.0, 0.3);
    s.fill(shape(), move |p, d| {
        let puff = 1.0 - 0.4 * (d / 0.07).exp().min(1.0);
        let light = 1.02 - 0.12 * (p.x * 0.7 + (p.y - 0.015) * 1.2);
        let weave =
            0.03 * (grain(p, 520.0) - 0.5) + 0.02 * ((p.x * 520.0).sin() * (p.y * 520.0).sin());
        mul(c, puff * light * (1.0 + weave))
    });
    // Piping along the seam and creases running in from the corners.
    s.tint(
        shape().onion(0.0).round(0.0).onion(0.004),
        mul(c, 0.75),
        0.6,
        0.0,
    );
    for (cx, cy) in [(-hw, top), (hw, top), (hw, bottom), (-hw, bottom)] {
        let (ex, ey) = (cx * 0.55, 0.015 + (cy - 0.015) * 0.55);
        s.tint(
            seg(cx * 0.93, cy * 0.93 + 0.001, ex, ey, 0.004),
            mul(c, 0.7),
            0.35,
            0.012,
        );
    }
}

// ---------------------------------------------------------------------------------------
// Banners

/// Saffron silk: long draped folds from a height field of layered sine waves (warped so
/// they meander), lit from the upper left with a soft sheen. The cloth covers the right
/// side; its edge lies on cream paper with a soft shadow, leaving the left for a headline.
fn silk(p: V2, u: f32, vv: f32) -> Rgbf {
    let paper = mul([0.95, 0.92, 0.86], 1.02 - 0.05 * vv - 0.03 * u);
    let edge = -0.3 + 0.3 * p.y + 0.05 * (p.y * 5.0 + 1.0).sin();
    let inside = smoothstep(edge - 0.003, edge + 0.003, p.x);
    let shadow = 1.0 - 0.16 * smoothstep(edge - 0.09, edge, p.x + 0.015);
    let behind = mul(paper, shadow);
    if inside <= 0.0 {
        return behind;
    }
    let height = |x: f32, y: f32| {
        // Across-fold coordinate, tilted and meandering along the fold.
        let t = x * 0.45 + y * 0.9;
        let s = x * 0.9 - y * 0.45 + 0.07 * (t * 3.0 + 0.5).sin() + 0.03 * (t * 7.0).sin();
        0.05 * (s * 9.0).sin()
            + 0.022 * (s * 17.0 + 1.3 + t * 2.0).sin()
            + 0.006 * (s * 31.0 + t * 5.0).sin()
    };
    let e = 0.002;
    let h0 = height(p.x, p.y);
    let (hx, hy) = (
        (height(p.x + e, p.y) - h0) / e,
        (height(p.x, p.y + e) - h0) / e,
    );
    let len = (hx * hx + hy * hy + 1.0).sqrt();
    let (nx, ny, nz) = (-hx / len, -hy / len, 1.0 / len);
    let (lx, ly, lz) = (-0.45f32, -0.5f32, 0.74f32);
    let lambert = nx * lx + ny * ly + nz * lz;
    // Wrapped diffuse keeps the valleys warm rather than black.
    let diffuse = ((lambert + 0.35) / 1.35).clamp(0.0, 1.0);
    let (hx2, hy2, hz2) = (lx, ly, lz + 1.0);
    let hl = (hx2 * hx2 + hy2 * hy2 + hz2 * hz2).sqrt();
    let spec = ((nx * hx2 + ny * hy2 + nz * hz2) / hl).max(0.0).powi(14);
    let base = [0.88, 0.58, 0.18];
    let deep = [0.52, 0.24, 0.07];
    let cloth = add(mix(deep, base, diffuse), 0.16 * spec);
    // The cloth's own edge turns away from the light.
    let rim = 1.0 - 0.25 * (1.0 - smoothstep(edge, edge + 0.03, p.x));
    mix(behind, mul(cloth, rim), inside)
}

const SHELF_TOP: f32 = 0.24;

fn shelf_wall(p: V2, u: f32, vv: f32) -> Rgbf {
    let wall = [0.9, 0.87, 0.82];
    // Window light falling diagonally across the wall.
    let beam = smoothstep(0.35, 0.0, ((p.x - 0.3) + (p.y + 0.2) * 0.8).abs() - 0.25);
    let mut c = mul(wall, 0.95 - 0.06 * vv + 0.04 * (1.0 - u) + 0.06 * beam);
    // The plank and its shadow on the wall.
    if p.y > SHELF_TOP + 0.065 {
        c = mul(c, 1.0 - 0.3 * (-((p.y - SHELF_TOP - 0.065) / 0.05)).exp());
    }
    if p.y > SHELF_TOP && p.y < SHELF_TOP + 0.065 {
        let wood = [0.66, 0.5, 0.36];
        let grain = 1.0 + 0.05 * (p.y * 200.0 + (p.x * 6.0).sin() * 3.0).sin();
        let front = if p.y < SHELF_TOP + 0.012 { 1.12 } else { 0.95 };
        c = mul(wood, grain * front);
    }
    c
}

fn shelf_still_life(s: &mut Scene, aspect: f32) {
    let right = aspect * 0.5;
    // (motif, colour, x as a fraction of the right half, scale)
    let items: [(Motif, Rgbf, f32, f32); 5] = [
        (Motif::Bottle, [0.59, 0.65, 0.52], 0.1, 0.75),
        (Motif::Jar, [0.9, 0.86, 0.8], 0.32, 0.55),
        (Motif::Candle, [0.73, 0.38, 0.27], 0.52, 0.6),
        (Motif::Dropper, [0.6, 0.36, 0.12], 0.7, 0.7),
        (Motif::TeaTin, [0.23, 0.28, 0.44], 0.88, 0.6),
    ];
    for (motif, c, fx, scale) in items {
        let x = right * (0.05 + fx * 0.88);
        s.xf = Xf {
            off: v(x, SHELF_TOP - FLOOR * scale),
            s: scale,
        };
        build(motif, s, c, 0);
    }
    s.xf = IDENTITY;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// CPU time of this thread: the wall clock is meaningless while other builds share the
    /// cores.
    fn cpu() -> std::time::Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    #[test]
    fn render_samples() {
        let (w, h) = (450u32, 560u32);
        let cols = 5u32;
        let rows = (Motif::ALL.len() as u32).div_ceil(cols);
        let mut sheet = RgbImage::from_pixel(cols * w, rows * h, image::Rgb([255, 255, 255]));
        for (i, m) in Motif::ALL.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()].1;
            let img = product_photo(*m, color, 0, w, h);
            assert_eq!(img.dimensions(), (w, h));
            image::imageops::replace(
                &mut sheet,
                &img,
                ((i as u32 % cols) * w).into(),
                ((i as u32 / cols) * h).into(),
            );
        }
        let dir = std::env::temp_dir();
        sheet.save(dir.join("boutique-art-sheet.png")).unwrap();
        for kind in 0..2 {
            let img = banner(kind, 1500, 500);
            assert_eq!(img.dimensions(), (1500, 500));
            img.save(dir.join(format!("banner-{kind}.png"))).unwrap();
        }
        println!(
            "contact sheet: {}",
            dir.join("boutique-art-sheet.png").display()
        );
    }

    #[test]
    fn variants_differ_and_photos_are_fast_enough() {
        let color = PALETTE[0].1;
        let a = product_photo(Motif::Bottle, color, 0, 90, 112);
        let b = product_photo(Motif::Bottle, color, 1, 90, 112);
        assert_ne!(a.as_raw(), b.as_raw());
        let mut worst = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        for (i, m) in Motif::ALL.iter().enumerate() {
            let (t, c) = (Instant::now(), cpu());
            let img = product_photo(*m, PALETTE[i % PALETTE.len()].1, 1, 900, 1125);
            let drawn = (t.elapsed(), cpu() - c);
            let set =
                crate::shop::catalog::images::process_image(image::DynamicImage::ImageRgb8(img))
                    .unwrap();
            let total = (t.elapsed(), cpu() - c);
            worst = (worst.0.max(total.0), worst.1.max(total.1));
            println!(
                "{m:?}: draw {:?} (cpu {:?}), draw+process {:?} (cpu {:?}), 600 px {} KB",
                drawn.0,
                drawn.1,
                total.0,
                total.1,
                set.w600.len() / 1024
            );
        }
        println!(
            "slowest photo (draw + process, 900×1125): wall {:?}, cpu {:?}",
            worst.0, worst.1
        );
    }
}
