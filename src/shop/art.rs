//! STUB until the demo artwork lands (wip-images).
use image::RgbImage;
#[derive(Debug, Clone, Copy)]
pub enum Motif {
    Tee,
    Shirt,
    Dress,
    Scarf,
    Tote,
    Bottle,
    Jar,
    Tube,
    Soap,
    Candle,
    TeaTin,
    SpiceJar,
    Mug,
    Cushion,
}
pub fn product_photo(_m: Motif, c: [u8; 3], _v: u32, w: u32, h: u32) -> RgbImage {
    RgbImage::from_pixel(w, h, image::Rgb(c))
}
pub fn banner(_k: u32, w: u32, h: u32) -> RgbImage {
    RgbImage::from_pixel(w, h, image::Rgb([200, 150, 80]))
}
