//! STUB until the image pipeline lands (wip-images).
use crate::error::{Error, Result};
pub struct ImageSet {
    pub width: u32,
    pub height: u32,
    pub full: Vec<u8>,
    pub w600: Vec<u8>,
    pub w160: Vec<u8>,
    pub placeholder: Vec<u8>,
}
pub fn process(_bytes: &[u8]) -> Result<ImageSet> {
    Err(Error::bad_request("stub"))
}
pub fn data_uri(_webp: &[u8]) -> String {
    String::new()
}
pub fn process_image(_img: image::DynamicImage) -> Result<ImageSet> {
    Err(Error::bad_request("stub"))
}
